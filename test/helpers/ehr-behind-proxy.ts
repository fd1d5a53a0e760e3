import net from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { ehrSandbox, getEhrSandboxInfo } from '../../src/sandboxes/ehr/index.js';

export interface EhrBehindProxy {
  /** The sandbox EHR receiver (its store says what it accepted). */
  receiver: FastifyInstance;
  /** The proxy's MLLP port: the one the engine's route points at. */
  port: number;
  /** Cuts every open connection through the proxy (the engine reconnects). */
  dropConnections(): void;
  close(): Promise<void>;
}

/**
 * The sandbox EHR's MLLP receiver behind a TCP proxy that forwards every message at once and
 * hands each ACK to `forwardAck`, which may delay it or swallow it: the EHR has stored the
 * document while the engine still waits, the moment a kill-during-delivery test needs.
 */
export async function startEhrBehindProxy(forwardAck: (client: net.Socket, ack: Buffer) => void): Promise<EhrBehindProxy> {
  const receiver = Fastify();
  await receiver.register(ehrSandbox, { prefix: '/ehr', mllpPort: 0 });
  await receiver.ready();
  const upstreamPort = getEhrSandboxInfo(receiver).mllpPort;
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.on('data', (d: Buffer) => forwardAck(client, d));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const dropConnections = () => {
    for (const s of sockets) s.destroy();
  };
  return {
    receiver,
    port: (proxy.address() as net.AddressInfo).port,
    dropConnections,
    async close() {
      dropConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
      await receiver.close();
    },
  };
}

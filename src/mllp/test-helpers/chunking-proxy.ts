import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A TCP proxy for real-socket MLLP tests: it re-chunks the byte stream the way networks and
 * sloppy peers do, which unit tests feeding buffers by hand cannot prove for the socket code.
 *
 * Modes (per direction, combinable):
 * - `byte-by-byte`: every byte is a separate write, with a turn of the event loop in between.
 * - `coalesce`: data arriving within `coalesceMs` is written in one go (two frames, one chunk).
 * - `split-fs-cr`: each 0x1C 0x0D pair is cut in two writes, `splitDelayMs` apart.
 * - `garbage`: bytes that are not MLLP are injected before every 0x0B.
 * Deliberately independent of src/mllp/framer.ts: it only looks for the raw marker bytes.
 */
export type ChunkMode = 'byte-by-byte' | 'coalesce' | 'split-fs-cr' | 'garbage';

export interface ChunkingProxyOptions {
  targetHost?: string;
  targetPort: number;
  /** Applied to bytes going from the client to the target. */
  upstream?: ChunkMode[];
  /** Applied to bytes going from the target back to the client. */
  downstream?: ChunkMode[];
  coalesceMs?: number;
  splitDelayMs?: number;
  garbage?: Buffer;
}

export interface ChunkingProxy {
  port: number;
  /** Number of writes made towards the target (to check the proxy really re-chunked). */
  upstreamWrites(): number;
  close(): Promise<void>;
}

const DEFAULT_GARBAGE = Buffer.from('NOISE\r\n\x00\xff', 'latin1');

export async function startChunkingProxy(opts: ChunkingProxyOptions): Promise<ChunkingProxy> {
  const sockets = new Set<net.Socket>();
  let writesUp = 0;
  const garbage = opts.garbage ?? DEFAULT_GARBAGE;
  if (garbage.includes(0x0b)) throw new Error('garbage must not contain 0x0B');

  const pipe = (from: net.Socket, to: net.Socket, modes: ChunkMode[], count: () => void): void => {
    let chain: Promise<void> = Promise.resolve();
    let held: Buffer[] = [];
    let holdTimer: NodeJS.Timeout | undefined;

    const emit = async (data: Buffer): Promise<void> => {
      if (to.destroyed) return;
      if (modes.includes('byte-by-byte')) {
        for (const byte of data) {
          if (to.destroyed) return;
          to.write(Buffer.from([byte]));
          count();
          await new Promise((r) => setImmediate(r));
        }
        return;
      }
      if (modes.includes('split-fs-cr')) {
        let start = 0;
        for (let i = data.indexOf(0x1c); i >= 0 && i + 1 < data.length; i = data.indexOf(0x1c, i + 1)) {
          if (data[i + 1] !== 0x0d) continue;
          to.write(data.subarray(start, i + 1));
          count();
          await sleep(opts.splitDelayMs ?? 30);
          start = i + 1;
        }
        if (start < data.length && !to.destroyed) {
          to.write(data.subarray(start));
          count();
        }
        return;
      }
      to.write(data);
      count();
    };

    from.on('data', (chunk: Buffer) => {
      let data: Buffer = Buffer.from(chunk);
      if (modes.includes('garbage')) data = injectGarbage(data, garbage);
      if (modes.includes('coalesce')) {
        held.push(data);
        if (!holdTimer) {
          holdTimer = setTimeout(() => {
            holdTimer = undefined;
            const merged = Buffer.concat(held);
            held = [];
            chain = chain.then(() => emit(merged));
          }, opts.coalesceMs ?? 40);
        }
        return;
      }
      chain = chain.then(() => emit(data));
    });
    from.on('end', () => {
      void chain.then(() => to.end());
    });
    from.on('error', () => to.destroy());
    from.on('close', () => {
      if (holdTimer) clearTimeout(holdTimer);
    });
  };

  const server = net.createServer((client) => {
    sockets.add(client);
    const target = net.connect({ host: opts.targetHost ?? '127.0.0.1', port: opts.targetPort });
    sockets.add(target);
    client.setNoDelay(true);
    target.setNoDelay(true);
    pipe(client, target, opts.upstream ?? [], () => writesUp++);
    pipe(target, client, opts.downstream ?? [], () => undefined);
    for (const s of [client, target]) {
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        target.destroy();
      });
      s.on('error', () => s.destroy());
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    upstreamWrites: () => writesUp,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function injectGarbage(data: Buffer, garbage: Buffer): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = data.indexOf(0x0b); i >= 0; i = data.indexOf(0x0b, i + 1)) {
    parts.push(data.subarray(start, i), garbage);
    start = i;
  }
  parts.push(data.subarray(start));
  return Buffer.concat(parts);
}

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PartnerError } from '../partners/partner-error.js';
import { MllpConnection, sendMllp, type MllpClientOptions } from './client.js';
import { MllpDeframer, frame } from './framer.js';
import { createMllpServer, type MllpServer, type MllpServerOptions } from './server.js';
import { startChunkingProxy, type ChunkingProxy, type ChunkMode } from './test-helpers/chunking-proxy.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const text = (s: string): Buffer => Buffer.from(s, 'latin1');
const ackFor = (raw: Buffer): Buffer => Buffer.concat([text('ACK:'), raw]);

async function startServer(overrides: Partial<MllpServerOptions> = {}): Promise<{ server: MllpServer; port: number; got: Buffer[] }> {
  const got: Buffer[] = [];
  const server = createMllpServer({
    onMessage: async (raw) => {
      got.push(raw);
      return ackFor(raw);
    },
    ...overrides,
  });
  const { port } = await server.listen(0, '127.0.0.1');
  cleanups.push(() => server.close());
  return { server, port, got };
}

async function proxyTo(port: number, upstream: ChunkMode[], downstream: ChunkMode[] = upstream): Promise<ChunkingProxy> {
  const proxy = await startChunkingProxy({ targetPort: port, upstream, downstream });
  cleanups.push(() => proxy.close());
  return proxy;
}

const clientOpts = (port: number, extra: Partial<MllpClientOptions> = {}): MllpClientOptions => ({
  host: '127.0.0.1',
  port,
  connectTimeoutMs: 2000,
  ackTimeoutMs: 2000,
  ...extra,
});

async function expectPartnerError(p: Promise<unknown>, kind: PartnerError['kind']): Promise<PartnerError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PartnerError);
  expect((err as PartnerError).kind).toBe(kind);
  return err as PartnerError;
}

/** A port with nothing listening: bind, note the port, close. */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const MESSAGE = text('MSH|^~\\&|A|B|C|D|20240101||ORU^R01^ORU_R01|CTRL1|P|2.5\rPID|1||123^^^X\r' + 'OBX|1|ED|||^AP^PDF^Base64^' + 'QUJD'.repeat(200) + '\r');

describe('MLLP client and server over real sockets', () => {
  it('sends a message and returns the ACK bytes', async () => {
    const { port, got } = await startServer();
    const ack = await sendMllp(clientOpts(port), MESSAGE);
    expect(got).toHaveLength(1);
    expect(got[0]?.equals(MESSAGE)).toBe(true);
    expect(ack.equals(ackFor(MESSAGE))).toBe(true);
  });

  for (const mode of ['byte-by-byte', 'split-fs-cr', 'garbage'] as const) {
    it(`survives a proxy in ${mode} mode in both directions`, async () => {
      const { port, got } = await startServer();
      const proxy = await proxyTo(port, [mode]);
      const ack = await sendMllp(clientOpts(proxy.port, { ackTimeoutMs: 10_000 }), MESSAGE);
      expect(got.map((g) => g.equals(MESSAGE))).toEqual([true]);
      expect(ack.equals(ackFor(MESSAGE))).toBe(true);
      if (mode === 'byte-by-byte') expect(proxy.upstreamWrites()).toBe(MESSAGE.length + 3);
      if (mode === 'split-fs-cr') expect(proxy.upstreamWrites()).toBe(2);
    });
  }

  it('handles two frames merged into one chunk, answering both in order', async () => {
    const { port, got } = await startServer();
    const proxy = await proxyTo(port, ['coalesce', 'garbage'], []);
    const sock = net.connect({ host: '127.0.0.1', port: proxy.port });
    cleanups.push(() => void sock.destroy());
    await new Promise((r) => sock.once('connect', r));
    const d = new MllpDeframer();
    const acks: Buffer[] = [];
    const done = new Promise<void>((resolve) => {
      sock.on('data', (c: Buffer) => {
        acks.push(...d.feed(c));
        if (acks.length === 2) resolve();
      });
    });
    sock.write(frame(text('MSH|first')));
    sock.write(frame(text('MSH|second')));
    await done;
    expect(proxy.upstreamWrites()).toBe(1);
    expect(got.map((g) => g.toString('latin1'))).toEqual(['MSH|first', 'MSH|second']);
    expect(acks.map((a) => a.toString('latin1'))).toEqual(['ACK:MSH|first', 'ACK:MSH|second']);
  });

  it('acknowledges only after onMessage resolves', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const { port } = await startServer({
      onMessage: async (raw) => {
        await gate;
        return ackFor(raw);
      },
    });
    let answered = false;
    const p = sendMllp(clientOpts(port), MESSAGE).then((a) => {
      answered = true;
      return a;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(answered).toBe(false);
    release();
    expect((await p).equals(ackFor(MESSAGE))).toBe(true);
  });

  it('reuses one connection for several messages with MllpConnection', async () => {
    const ids: number[] = [];
    const { port } = await startServer({
      onMessage: async (raw, remote) => {
        ids.push(remote.connectionId);
        return ackFor(raw);
      },
    });
    const conn = new MllpConnection(clientOpts(port));
    cleanups.push(() => conn.close());
    const acks = await Promise.all(['M1', 'M2', 'M3'].map((m) => conn.send(text(m))));
    expect(acks.map((a) => a.toString('latin1'))).toEqual(['ACK:M1', 'ACK:M2', 'ACK:M3']);
    expect(new Set(ids).size).toBe(1);
  });

  it('drops an oversize frame, reports it, and keeps serving the connection', async () => {
    const frameErrors: string[] = [];
    const { port, got } = await startServer({ maxFrameBytes: 100, onFrameError: (e) => frameErrors.push(e.code) });
    const sock = net.connect({ host: '127.0.0.1', port });
    cleanups.push(() => void sock.destroy());
    await new Promise((r) => sock.once('connect', r));
    const d = new MllpDeframer();
    const ack = new Promise<Buffer>((resolve) => sock.on('data', (c: Buffer) => d.feed(c).forEach(resolve)));
    sock.write(frame(text('X'.repeat(500))));
    sock.write(frame(text('small')));
    expect((await ack).toString('latin1')).toBe('ACK:small');
    expect(frameErrors).toEqual(['oversize']);
    expect(got.map((g) => g.toString('latin1'))).toEqual(['small']);
  });

  it('a new exchange is not failed by the close of the socket an ACK timeout abandoned', async () => {
    let first = true;
    const { port } = await startServer({
      onMessage: async (raw) => {
        if (first) {
          first = false;
          return null;
        }
        return ackFor(raw);
      },
    });
    const conn = new MllpConnection(clientOpts(port, { ackTimeoutMs: 200 }));
    cleanups.push(() => conn.close());
    await expectPartnerError(conn.send(text('lost')), 'ambiguous');
    expect((await conn.send(text('again'))).toString('latin1')).toBe('ACK:again');
  });

  it('closes the connection without ACK when onMessage throws (ambiguous for the sender)', async () => {
    const handlerErrors: unknown[] = [];
    const { port } = await startServer({
      onMessage: async () => {
        throw new Error('disk full');
      },
      onHandlerError: (e) => handlerErrors.push(e),
    });
    const started = Date.now();
    const err = await expectPartnerError(sendMllp(clientOpts(port, { ackTimeoutMs: 5000 }), MESSAGE), 'ambiguous');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err.message).toMatch(/ended before the ACK/);
    expect(handlerErrors).toHaveLength(1);
  });

  it('closes idle connections', async () => {
    const { port, server } = await startServer({ idleTimeoutMs: 100 });
    const sock = net.connect({ host: '127.0.0.1', port });
    cleanups.push(() => void sock.destroy());
    await new Promise((r) => sock.once('connect', r));
    expect(server.openConnections).toBe(1);
    await new Promise((r) => sock.once('close', r));
    await vi.waitFor(() => expect(server.openConnections).toBe(0));
  });
});

describe('MLLP client failure classification', () => {
  it('connection refused is transient', async () => {
    const port = await freePort();
    const err = await expectPartnerError(sendMllp(clientOpts(port), MESSAGE), 'transient');
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('a connect (TLS handshake) that never completes is transient: nothing was sent', async () => {
    // A TCP listener that never speaks TLS: the handshake hangs like an unresponsive peer.
    const accepted: net.Socket[] = [];
    const silent = net.createServer((s) => {
      accepted.push(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          accepted.forEach((s) => s.destroy());
          silent.close(() => r());
        }),
    );
    const port = (silent.address() as net.AddressInfo).port;
    const err = await expectPartnerError(sendMllp(clientOpts(port, { tls: true, connectTimeoutMs: 150 }), MESSAGE), 'transient');
    expect(err.message).toMatch(/timed out after 150 ms/);
  });

  it('no ACK after sending is ambiguous', async () => {
    const { port, got } = await startServer({ onMessage: async () => null });
    const err = await expectPartnerError(sendMllp(clientOpts(port, { ackTimeoutMs: 200 }), MESSAGE), 'ambiguous');
    expect(err.message).toMatch(/no MLLP ACK within 200 ms/);
    expect(got).toHaveLength(0); // custom onMessage did not record; the message was delivered though
  });

  it('a reply that is not a frame, then close, is ambiguous', async () => {
    const raw = net.createServer((s) => {
      s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => raw.close(() => r())));
    const port = (raw.address() as net.AddressInfo).port;
    await expectPartnerError(sendMllp(clientOpts(port), MESSAGE), 'ambiguous');
  });

  it('an oversize reply frame is ambiguous', async () => {
    const raw = net.createServer((s) => {
      s.once('data', () => s.write(Buffer.concat([Buffer.from([0x0b]), Buffer.alloc(5000, 0x41)])));
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => raw.close(() => r())));
    const port = (raw.address() as net.AddressInfo).port;
    const err = await expectPartnerError(sendMllp(clientOpts(port, { maxAckBytes: 1000 }), MESSAGE), 'ambiguous');
    expect(err.message).toMatch(/unreadable MLLP reply \(oversize\)/);
  });
});

describe('MLLP over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mllp-tls-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    { stdio: 'ignore' },
  );
  const key = readFileSync(join(dir, 'key.pem'));
  const cert = readFileSync(join(dir, 'cert.pem'));
  rmSync(dir, { recursive: true, force: true });

  it('delivers over TLS when the CA is trusted', async () => {
    const { port, got } = await startServer({ tls: { key, cert } });
    const ack = await sendMllp(clientOpts(port, { host: 'localhost', tls: { ca: cert } }), MESSAGE);
    expect(ack.equals(ackFor(MESSAGE))).toBe(true);
    expect(got).toHaveLength(1);
  });

  it('an untrusted certificate is an auth failure, before anything is sent', async () => {
    const { port, got } = await startServer({ tls: { key, cert } });
    await expectPartnerError(sendMllp(clientOpts(port, { host: 'localhost', tls: true }), MESSAGE), 'auth');
    expect(got).toHaveLength(0);
  });
});

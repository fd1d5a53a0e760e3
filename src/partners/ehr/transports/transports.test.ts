import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildAck } from '../../../hl7/ack.js';
import { parseHl7 } from '../../../hl7/parse.js';
import { sampleInput } from '../../../hl7/test-helpers/sample-input.js';
import { createMllpServer } from '../../../mllp/server.js';
import { PartnerError } from '../../partner-error.js';
import { renderForEhr } from '../formats/index.js';
import { classifyStatus, deliverOverHttp, deliverOverMllp, deliverToDirectory, interpretAck } from './index.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function kindOf(p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PartnerError);
  return (err as PartnerError).kind;
}

describe('MLLP transport: ACK interpretation', () => {
  const payload = renderForEhr('hl7-oru', sampleInput());
  const ackWith = (code: 'AA' | 'CA' | 'AE' | 'CE' | 'AR' | 'CR', msg = payload.main.bytes.toString('utf8')): Buffer =>
    Buffer.from(buildAck(parseHl7(msg), { ackCode: code, text: 'reason text' }));

  it('maps codes to delivered / permanent / transient', async () => {
    expect(interpretAck('ehr', 'TX-0001', ackWith('AA')).ack.ackCode).toBe('AA');
    expect(interpretAck('ehr', 'TX-0001', ackWith('CA')).ack.ackCode).toBe('CA');
    for (const [code, kind] of [['AE', 'permanent'], ['CE', 'permanent'], ['AR', 'transient'], ['CR', 'transient']] as const) {
      expect(await kindOf(Promise.resolve().then(() => interpretAck('ehr', 'TX-0001', ackWith(code))))).toBe(kind);
    }
  });

  it('an ACK for another control id, or an unreadable one, is ambiguous', async () => {
    const other = renderForEhr('hl7-oru', sampleInput({ controlId: 'OTHER' })).main.bytes.toString('utf8');
    expect(await kindOf(Promise.resolve().then(() => interpretAck('ehr', 'TX-0001', ackWith('AA', other))))).toBe('ambiguous');
    expect(await kindOf(Promise.resolve().then(() => interpretAck('ehr', 'TX-0001', Buffer.from('OK'))))).toBe('ambiguous');
  });

  it('refuses to send a non-HL7 payload over MLLP, and maps refused connections to transient', async () => {
    await expect(deliverOverMllp({ host: '127.0.0.1', port: 1, connectTimeoutMs: 500, ackTimeoutMs: 500 }, renderForEhr('json', sampleInput()))).rejects.toThrow(/not json/);
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    expect(await kindOf(deliverOverMllp({ host: '127.0.0.1', port, connectTimeoutMs: 500, ackTimeoutMs: 500 }, payload))).toBe('transient');
  });

  it('delivers through a real MLLP server returning the message’s own ACK', async () => {
    const server = createMllpServer({ onMessage: async (raw) => Buffer.from(buildAck(parseHl7(raw.toString('utf8')), { ackCode: 'CA' })) });
    const { port } = await server.listen();
    cleanups.push(() => server.close());
    const d = await deliverOverMllp({ host: '127.0.0.1', port, connectTimeoutMs: 500, ackTimeoutMs: 1000 }, payload);
    expect(d).toMatchObject({ transport: 'mllp', controlId: 'TX-0001', ack: { ackCode: 'CA' } });
  });
});

describe('file drop transport', () => {
  it('writes attachments, main file, then marker; no temporary file left; idempotent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drop-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const payload = renderForEhr('hprim', sampleInput());
    const first = await deliverToDirectory({ dir }, payload);
    expect(first.files.map((f) => f.slice(dir.length + 1))).toEqual(['TX-0001.PDF', 'TX-0001.HPR', 'TX-0001.OK']);
    await deliverToDirectory({ dir }, payload);
    expect((await readdir(dir)).sort()).toEqual(['TX-0001.HPR', 'TX-0001.OK', 'TX-0001.PDF']);
    expect((await readFile(join(dir, 'TX-0001.PDF'))).equals(sampleInput().document.data)).toBe(true);
    expect((await readFile(join(dir, 'TX-0001.OK'))).length).toBe(0);
    const custom = await deliverToDirectory({ dir, markerExtension: '.END', fsync: false }, renderForEhr('json', sampleInput()));
    expect(custom.files.at(-1)?.endsWith('TX-0001.END')).toBe(true);
  });

  it('classifies an unusable target as permanent and a missing one as transient', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drop-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const notADir = join(dir, 'file');
    await writeFile(notADir, 'x');
    const payload = renderForEhr('hprim', sampleInput());
    expect(await kindOf(deliverToDirectory({ dir: notADir }, payload))).toBe('permanent');
    expect(await kindOf(deliverToDirectory({ dir: join(dir, 'unmounted') }, payload))).toBe('transient');
  });
});

describe('HTTP transport', () => {
  it('classifies statuses', () => {
    expect([408, 429, 503, 401, 403, 400, 404, 409, 422, 500, 502, 504].map((s) => [s, classifyStatus(s)])).toEqual([
      [408, 'transient'], [429, 'transient'], [503, 'transient'],
      [401, 'auth'], [403, 'auth'],
      [400, 'permanent'], [404, 'permanent'], [409, 'permanent'], [422, 'permanent'],
      [500, 'ambiguous'], [502, 'ambiguous'], [504, 'ambiguous'],
    ]);
  });

  it('sends Content-Type and Idempotency-Key, and classifies real answers', async () => {
    const seen: { type?: string; key?: string; auth?: string }[] = [];
    let status = 201;
    const app = Fastify();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_r, b, done) => done(null, b));
    app.post('/docs', async (req, reply) => {
      seen.push({ type: req.headers['content-type'], key: req.headers['idempotency-key'] as string, auth: req.headers.authorization });
      if (status === 429) reply.header('retry-after', '7');
      return reply.code(status).send({ ok: status < 300 });
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    const addr = app.server.address() as net.AddressInfo;
    const opts = { url: `http://127.0.0.1:${addr.port}/docs`, timeoutMs: 2000, headers: { authorization: 'Bearer t' } };
    const payload = renderForEhr('json', sampleInput());

    expect((await deliverOverHttp(opts, payload)).status).toBe(201);
    expect(seen[0]).toEqual({ type: 'application/json; charset=UTF-8', key: 'TX-0001', auth: 'Bearer t' });
    status = 429;
    const err = await deliverOverHttp(opts, payload).catch((e: PartnerError) => e);
    expect(err).toMatchObject({ kind: 'transient', status: 429, retryAfterMs: 7000 });
    status = 500;
    expect(await kindOf(deliverOverHttp(opts, payload))).toBe('ambiguous');
    status = 401;
    expect(await kindOf(deliverOverHttp(opts, payload))).toBe('auth');
  });

  it('refused is transient; no answer in time is ambiguous', async () => {
    const accepted: net.Socket[] = [];
    const s = net.createServer((sock) => {
      accepted.push(sock); // accepts, never answers
      sock.on('error', () => undefined);
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    const payload = renderForEhr('json', sampleInput());
    expect(await kindOf(deliverOverHttp({ url: `http://127.0.0.1:${port}/`, timeoutMs: 200 }, payload))).toBe('ambiguous');
    accepted.forEach((sock) => sock.destroy());
    await new Promise<void>((r) => s.close(() => r()));
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const freePort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await kindOf(deliverOverHttp({ url: `http://127.0.0.1:${freePort}/`, timeoutMs: 200 }, payload))).toBe('transient');
  });
});

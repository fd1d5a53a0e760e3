import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { appointmentBody, startSandbox, type RunningSandbox } from './test-harness.js';

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
}

/** A real receiver: records each delivery and answers with the next scripted status (default 200). */
async function startReceiver() {
  const received: Received[] = [];
  const statuses: number[] = [];
  let waiters: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      received.push({ headers: req.headers, raw });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
      for (const w of waiters) w();
      waiters = [];
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  const waitFor = async (n: number): Promise<void> => {
    const deadline = Date.now() + 5_000;
    while (received.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} deliveries, got ${received.length}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  return { url, received, statuses, waitFor, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function verify(raw: string, header: string | string[] | undefined, secret: string): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(raw).digest('hex'));
  const given = Buffer.from(header.slice('sha256='.length));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('oncall sandbox: outgoing webhooks', () => {
  const secret = 'shared-webhook-secret';
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let sb: RunningSandbox;

  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => sb?.close());
  afterAll(async () => receiver.close());

  it('signs appointment_created / appointment_updated deliveries with HMAC-SHA256', async () => {
    sb = await startSandbox({ webhookUrl: receiver.url, webhookSecret: secret });
    receiver.received.length = 0;
    const created = (await sb.call('POST', '/appointments/', appointmentBody(sb.base))).body;
    await receiver.waitFor(1);
    expect(JSON.parse(receiver.received[0]!.raw)).toEqual({ event: 'appointment_created', url: created.url });
    expect(verify(receiver.received[0]!.raw, receiver.received[0]!.headers['x-oncall-signature'], secret)).toBe(true);
    expect(verify(receiver.received[0]!.raw, receiver.received[0]!.headers['x-oncall-signature'], 'wrong-secret')).toBe(false);

    const path = new URL(created.url).pathname.replace('/oncall', '');
    await sb.call('PATCH', path, { title: 'Renamed' });
    await sb.call('PATCH', new URL(created.participants[0].url).pathname.replace('/oncall', ''), { fee: 20 });
    await receiver.waitFor(3);
    for (const r of receiver.received.slice(1)) {
      expect(JSON.parse(r.raw)).toEqual({ event: 'appointment_updated', url: created.url });
      expect(verify(r.raw, r.headers['x-oncall-signature'], secret)).toBe(true);
    }
    // Contacts have no webhooks (patient-sync guide).
    await sb.call('POST', '/contacts/', { name: 'N', division: `${sb.base}/divisions/1/`, provider: `${sb.base}/providers/1/` });
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.received).toHaveLength(3);
  });

  it('retries a failed delivery with backoff, configured at runtime through /_admin/webhooks', async () => {
    sb = await startSandbox();
    receiver.received.length = 0;
    expect((await sb.admin('POST', 'webhooks', { url: 'not a url' })).status).toBe(400);
    const set = await sb.admin('POST', 'webhooks', { url: receiver.url });
    expect(set.body).toEqual({ url: receiver.url, secretSet: false });
    receiver.statuses.push(500, 503);
    await sb.call('POST', '/appointments/', appointmentBody(sb.base));
    await receiver.waitFor(3);
    expect(receiver.received[0]!.headers['x-oncall-signature']).toBeUndefined();
    expect(new Set(receiver.received.map((r) => r.raw)).size).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    const stats = (await sb.admin('GET', 'stats')).body.webhooks;
    expect(stats).toMatchObject({ attempts: 3, delivered: 1, failed: 0, pending: 0 });
  });
});

import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ONCALL_SANDBOX_API_KEY, oncallSandbox } from '../../sandboxes/oncall/plugin.js';
import { OncallClient } from './client.js';
import { ONCALL_CLIENT_DEFAULTS } from './config.js';

// Issue 8: the client's adaptive concurrency against the OnCall sandbox on a real HTTP server,
// with the sandbox's fault switches standing in for a partner that is slow or rate limited.

let app: FastifyInstance;
let base: string;
const clients: OncallClient[] = [];

beforeAll(async () => {
  app = Fastify();
  await app.register(oncallSandbox, { prefix: '/oncall' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/oncall`;
});
afterAll(async () => {
  await app.close();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await admin('reset/', {});
});

async function admin(path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}/_admin/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return res.json();
}

/** A client as the engine builds it with no configuration (only where and the key). */
function defaultClient(): OncallClient {
  const c = new OncallClient({ baseUrl: base, apiKey: DEFAULT_ONCALL_SANDBOX_API_KEY, maxRetries: 20 });
  clients.push(c);
  return c;
}

/**
 * `callers` loops of the cheapest call (GET /providers/?page_size=1) for `ms`; the limit is
 * sampled every 20 ms. Returns the calls completed between `measureFromMs` and `ms`, and the limits seen then.
 */
async function load(c: OncallClient, opts: { callers: number; ms: number; measureFromMs: number }) {
  const t0 = performance.now();
  const limits: number[] = [];
  let measured = 0;
  const sampler = setInterval(() => {
    if (performance.now() - t0 >= opts.measureFromMs) limits.push(c.stats().concurrencyLimit);
  }, 20);
  await Promise.all(
    Array.from({ length: opts.callers }, async () => {
      while (performance.now() - t0 < opts.ms) {
        await c.checkAuth();
        const at = performance.now() - t0;
        if (at >= opts.measureFromMs && at < opts.ms) measured++;
      }
    }),
  );
  clearInterval(sampler);
  return { measured, limits };
}

describe('OncallClient adaptive concurrency against the sandbox', () => {
  it('starts at 4 under a ceiling of 64 when nothing is configured', () => {
    expect(defaultClient().stats()).toMatchObject({ concurrencyLimit: 4, concurrencyMax: ONCALL_CLIENT_DEFAULTS.concurrency });
    expect(ONCALL_CLIENT_DEFAULTS.concurrency).toBe(64);
  });

  it('grows past 8 in flight while a 20 ms answer time holds', { timeout: 60_000 }, async () => {
    await admin('faults/', { latencyMs: 20 });
    const c = defaultClient();
    const { measured, limits } = await load(c, { callers: 64, ms: 2_500, measureFromMs: 0 });
    expect(Math.max(...limits)).toBeGreaterThan(8);
    expect(c.stats().throttled).toBe(0);
    if (process.env.ONCALL_FIGURES) console.log({ rate: measured / 2.5, limits: [Math.min(...limits), Math.max(...limits)], client: c.stats() });
  });

  it('settles near a partner rate limit without a storm of 429s', { timeout: 60_000 }, async () => {
    // The starting 4 in flight at 20 ms can send up to 200/s: the client must back off to it.
    const rate = 100;
    await admin('faults/', { latencyMs: 20, rateLimitPerSecond: rate });
    const c = defaultClient();
    // The first second drains the token bucket's initial burst (one second's worth of tokens).
    const seconds = 5;
    const { measured, limits } = await load(c, { callers: 64, ms: (1 + seconds) * 1000, measureFromMs: 1000 });
    const stats = c.stats();
    // Near the limit, and 64 eager callers never push the limit towards the ceiling.
    // (70%: each 429 stops all sending for Retry-After, 1 s, and a busy CI machine slows the client.)
    expect(measured / seconds).toBeGreaterThanOrEqual(0.7 * rate);
    expect(Math.max(...limits)).toBeLessThan(16);
    // No storm: a few 429s per second at most while it probes, against 64 callers ready to send.
    const throttled = (await admin('stats/')).throttled as number;
    expect(stats.throttled).toBe(throttled);
    expect(throttled).toBeLessThan(0.1 * stats.requests);
    if (process.env.ONCALL_FIGURES) console.log({ rate: measured / seconds, limits: [Math.min(...limits), Math.max(...limits)], client: stats });
  });
});

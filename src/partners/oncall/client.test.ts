import { Writable } from 'node:stream';
import { pino } from 'pino';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPartnerError, type PartnerError } from '../partner-error.js';
import { parseRetryAfter } from './classify.js';
import { OncallClient, type OncallClientOptions } from './client.js';
import type { ContactCreate } from './schemas.js';

// Fault classification against undici's MockAgent: status codes, Retry-After, queue pause,
// auth short-circuit and log hygiene. Socket-level faults (reset/timeout after sending) are in
// client-sockets.test.ts with real servers, because a mock never writes a request.

const ORIGIN = 'https://api.oncallhealth.test';
const BASE = `${ORIGIN}/v1`;

const contact = (id: number) => ({
  id,
  url: `${BASE}/contacts/${id}/`,
  name: 'Jane Doe',
  email: 'jane.doe@example.org',
  custom_field_values: { '2': `EMR-${id}` },
});

const newContact: ContactCreate = {
  division: `${BASE}/divisions/1/`,
  provider: `${BASE}/providers/1/`,
  name: 'Jane Doe',
  email: 'jane.doe@example.org',
  phone: '5145550199',
  date_of_birth: '1980-01-02',
};

let agent: MockAgent;
let client: OncallClient | undefined;

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
});
afterEach(async () => {
  await client?.close();
  client = undefined;
  await agent.close();
});

function makeClient(extra: Partial<OncallClientOptions> = {}): OncallClient {
  client = new OncallClient({
    baseUrl: BASE,
    apiKey: 'test-key',
    dispatcher: agent,
    retryBaseMs: 5,
    requestsPerSecond: 0,
    ...extra,
  });
  return client;
}

async function failure(p: Promise<unknown>): Promise<PartnerError> {
  try {
    await p;
  } catch (e) {
    if (isPartnerError(e)) return e;
    throw e;
  }
  throw new Error('expected a PartnerError');
}

const pool = () => agent.get(ORIGIN);

describe('OncallClient classification', () => {
  it('sends the Token header and parses a contact', async () => {
    let auth: unknown;
    pool()
      .intercept({ path: '/v1/contacts/7/', method: 'GET' })
      .reply((opts) => {
        auth = (opts.headers as Record<string, string>).authorization;
        return { statusCode: 200, data: contact(7) };
      });
    const c = await makeClient().getContact(7);
    expect(c.url).toBe(`${BASE}/contacts/7/`);
    expect(auth).toBe('Token test-key');
  });

  it('retries 503 and 429 as transient, then succeeds', async () => {
    pool().intercept({ path: '/v1/contacts/7/', method: 'GET' }).reply(503, { detail: 'down' });
    pool().intercept({ path: '/v1/contacts/7/', method: 'GET' }).reply(429, { detail: 'slow' }, { headers: { 'retry-after': '0' } });
    pool().intercept({ path: '/v1/contacts/7/', method: 'GET' }).reply(200, contact(7));
    const c = makeClient();
    await expect(c.getContact(7)).resolves.toMatchObject({ id: 7 });
    expect(c.stats()).toMatchObject({ requests: 3, retries: 2, throttled: 1, inFlight: 0 });
  });

  it('retries a POST refused before sending (ECONNREFUSED) and a 503', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    pool().intercept({ path: '/v1/contacts/', method: 'POST' }).replyWithError(refused);
    pool().intercept({ path: '/v1/contacts/', method: 'POST' }).reply(503, {});
    pool().intercept({ path: '/v1/contacts/', method: 'POST' }).reply(201, contact(8));
    const c = makeClient();
    await expect(c.createContact(newContact)).resolves.toMatchObject({ id: 8 });
    expect(c.stats().requests).toBe(3);
  });

  it.each([500, 502, 504])('a POST answered %i is ambiguous and never retried', async (status) => {
    pool().intercept({ path: '/v1/contacts/', method: 'POST' }).reply(status, 'oops');
    pool().intercept({ path: '/v1/contacts/', method: 'POST' }).reply(201, contact(9));
    const c = makeClient();
    const err = await failure(c.createContact(newContact));
    expect(err.kind).toBe('ambiguous');
    expect(err.status).toBe(status);
    expect(c.stats()).toMatchObject({ requests: 1, retries: 0 });
  });

  it.each([
    ['GET', 500],
    ['PATCH', 502],
    ['PATCH', 504],
  ] as const)('an idempotent %s answered %i is retried', async (method, status) => {
    pool().intercept({ path: '/v1/contacts/7/', method }).reply(status, 'oops');
    pool().intercept({ path: '/v1/contacts/7/', method }).reply(200, contact(7));
    const c = makeClient();
    const p = method === 'GET' ? c.getContact(7) : c.patchContact(`${BASE}/contacts/7/`, { notes: 'x' });
    await expect(p).resolves.toMatchObject({ id: 7 });
    expect(c.stats().retries).toBe(1);
  });

  it('throws the last transient error when retries run out', async () => {
    pool().intercept({ path: '/v1/contacts/7/', method: 'GET' }).reply(503, {}).times(3);
    const c = makeClient({ maxRetries: 2 });
    const err = await failure(c.getContact(7));
    expect(err.kind).toBe('transient');
    expect(err.status).toBe(503);
    expect(c.stats()).toMatchObject({ requests: 3, retries: 2 });
  });

  it('400 is permanent with field errors that never repeat the submitted values', async () => {
    pool()
      .intercept({ path: '/v1/contacts/', method: 'POST' })
      .reply(400, {
        email: ['"jane.doe@example.org" is not a valid e-mail for Jane Doe.'],
        phone: ['Phone 5145550199 is not valid.'],
        custom_field_values: { '2': ['Unknown field.'] },
      });
    const c = makeClient();
    const err = await failure(c.createContact(newContact));
    expect(err.kind).toBe('permanent');
    expect(err.status).toBe(400);
    expect(Object.keys(err.fieldErrors ?? {}).sort()).toEqual(['custom_field_values.2', 'email', 'phone']);
    expect(err.message).toContain('email:');
    expect(err.message).toContain('Unknown field.');
    for (const secret of ['jane.doe', 'Jane', 'Doe', '5145550199']) {
      expect(err.message).not.toContain(secret);
      expect(JSON.stringify(err.fieldErrors)).not.toContain(secret);
    }
    expect(c.stats().requests).toBe(1);
  });

  it.each([404, 409, 422])('%i is permanent and not retried', async (status) => {
    pool().intercept({ path: '/v1/appointments/3/', method: 'GET' }).reply(status, { detail: 'Not found.' });
    const c = makeClient();
    const err = await failure(c.getAppointment(3));
    expect(err.kind).toBe('permanent');
    expect(c.stats().requests).toBe(1);
  });

  it('refuses an invalid body before sending, naming fields only', async () => {
    const c = makeClient();
    const err = await failure(c.createContact({ ...newContact, date_of_birth: '02/01/1980' }));
    expect(err.kind).toBe('permanent');
    expect(err.message).toContain('date_of_birth');
    expect(err.message).not.toContain('1980');
    expect(c.stats().requests).toBe(0);
  });

  it('an unreadable 2xx answer to a POST is ambiguous', async () => {
    pool().intercept({ path: '/v1/contacts/', method: 'POST' }).reply(201, '<html>');
    const err = await failure(makeClient().createContact(newContact));
    expect(err.kind).toBe('ambiguous');
  });
});

describe('OncallClient rate limiting', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('a Retry-After beyond the in-process limit is thrown to the caller at once', async () => {
    pool().intercept({ path: '/v1/contacts/7/', method: 'GET' }).reply(429, {}, { headers: { 'retry-after': '3600' } });
    const c = makeClient();
    const err = await failure(c.getContact(7));
    expect(err).toMatchObject({ kind: 'transient', status: 429, retryAfterMs: 3_600_000 });
    expect(c.stats().retries).toBe(0);
  });

  it('honours Retry-After before retrying', async () => {
    pool().intercept({ path: '/v1/contacts/7/', method: 'GET' }).reply(429, {}, { headers: { 'retry-after': '0.3' } });
    pool().intercept({ path: '/v1/contacts/7/', method: 'GET' }).reply(200, contact(7));
    const started = Date.now();
    await makeClient().getContact(7);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('a 429 pauses the whole queue, not only the throttled request', async () => {
    const seen: Array<{ path: string; at: number }> = [];
    const record = (status: number, body: object, headers: Record<string, string> = {}) => (opts: { path: string }) => {
      seen.push({ path: opts.path, at: Date.now() });
      return { statusCode: status, data: body, responseOptions: { headers } };
    };
    pool().intercept({ path: '/v1/contacts/1/', method: 'GET' }).reply(record(429, {}, { 'retry-after': '0.4' }));
    pool().intercept({ path: '/v1/contacts/1/', method: 'GET' }).reply(record(200, contact(1)));
    for (const id of [2, 3, 4]) {
      pool().intercept({ path: `/v1/contacts/${id}/`, method: 'GET' }).reply(record(200, contact(id)));
    }
    const c = makeClient({ concurrency: 4 });
    const first = c.getContact(1);
    while (c.stats().throttled === 0) await new Promise((r) => setTimeout(r, 5));
    const throttledAt = seen[0]!.at;
    await Promise.all([first, c.getContact(2), c.getContact(3), c.getContact(4)]);
    const others = seen.filter((s) => s.path !== '/v1/contacts/1/');
    expect(others).toHaveLength(3);
    for (const s of others) expect(s.at - throttledAt).toBeGreaterThanOrEqual(380);
  });

  it('spaces requests to requestsPerSecond', async () => {
    pool().intercept({ path: '/v1/contacts/7/', method: 'GET' }).reply(200, contact(7)).times(5);
    const c = makeClient({ requestsPerSecond: 20 });
    const started = Date.now();
    await Promise.all([1, 2, 3, 4, 5].map(() => c.getContact(7)));
    // 5 starts, one per 50 ms: at least 4 gaps.
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});

describe('OncallClient auth', () => {
  it('surfaces a refused key once, with one message, and stops calling the partner', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    pool().intercept({ path: '/v1/contacts/', method: 'POST' }).reply(401, { detail: 'Invalid token.' }).persist();
    const c = makeClient({ concurrency: 2, logger });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => c.createContact(newContact)));
    const messages = new Set(
      results.map((r) => (r.status === 'rejected' ? `${(r.reason as PartnerError).kind}: ${(r.reason as Error).message}` : 'ok')),
    );
    expect([...messages]).toEqual(['auth: OnCall Health rejected the API key (HTTP 401)']);
    expect(c.stats().requests).toBeLessThanOrEqual(2);
    expect(lines.filter((l) => l.includes('rejected the API key'))).toHaveLength(1);
  });

  it('checkAuth throws kind auth for 403', async () => {
    pool().intercept({ path: '/v1/providers/?page_size=1', method: 'GET' }).reply(403, { detail: 'nope' });
    const err = await failure(makeClient().checkAuth());
    expect(err.kind).toBe('auth');
    expect(err.message).toBe('OnCall Health rejected the API key (HTTP 403)');
  });

  it('leaves a refusal of checkAuth to its caller (no warning), and later calls stop at it without the network', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    pool().intercept({ path: '/v1/providers/?page_size=1', method: 'GET' }).reply(401, { detail: 'nope' });
    const c = makeClient({ logger });
    expect((await failure(c.checkAuth())).kind).toBe('auth');
    expect((await failure(c.createContact(newContact))).kind).toBe('auth');
    expect(c.stats().requests).toBe(1);
    expect(lines.filter((l) => l.includes('rejected the API key'))).toHaveLength(0);
  });
});

describe('OncallClient paging and logging', () => {
  it('follows next across hosts without leaking the key, and logs no query string', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    const q = 'email=jane.doe%40example.org&name=Jane+Doe&page_size=2';
    pool()
      .intercept({ path: `/v1/contacts/?${q}`, method: 'GET' })
      .reply(200, { count: 3, next: `http://elsewhere.test/v1/contacts/?${q}&page=2`, previous: null, results: [contact(1), contact(2)] });
    pool()
      .intercept({ path: `/v1/contacts/?${q}&page=2`, method: 'GET' })
      .reply(200, { count: 3, next: null, previous: 'x', results: [contact(3)] });
    const c = makeClient({ logger });
    const ids: number[] = [];
    for await (const row of c.contacts({ email: 'jane.doe@example.org', name: 'Jane Doe', pageSize: 2 })) ids.push(row.id!);
    expect(ids).toEqual([1, 2, 3]);
    const requestLines = lines.filter((l) => l.includes('"oncall request"'));
    expect(requestLines).toHaveLength(2);
    expect(JSON.parse(requestLines[0]!)).toMatchObject({ method: 'GET', path: '/v1/contacts/', status: 200, attempt: 1 });
    const all = lines.join('\n');
    for (const secret of ['jane', 'Jane', 'Doe', 'example.org', 'page_size']) expect(all).not.toContain(secret);
  });

  it('never logs bodies or values of a failed create', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    pool().intercept({ path: '/v1/contacts/', method: 'POST' }).reply(400, { email: ['jane.doe@example.org is taken'] });
    await failure(makeClient({ logger }).createContact(newContact));
    const all = lines.join('\n');
    expect(all).toContain('"status":400');
    for (const secret of ['jane', 'Jane', '5145550199', '1980']) expect(all).not.toContain(secret);
  });
});

import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oncallSandbox } from './plugin.js';
import { AUTH, contactBody, startSandbox, type RunningSandbox } from './test-harness.js';

describe('oncall sandbox: auth, errors and mounting', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startSandbox({ apiKey: 'k-123' });
  });
  afterAll(async () => sb.close());

  it('answers 401 for missing or wrong credentials, accepts Token and Bearer', async () => {
    expect((await sb.call('GET', '/contacts/', undefined, {})).body).toEqual({ detail: 'Authentication credentials were not provided.' });
    const wrong = await sb.call('GET', '/contacts/', undefined, { authorization: 'Token nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ detail: 'Invalid token.' });
    expect(wrong.headers.get('www-authenticate')).toBe('Token');
    expect((await sb.call('GET', '/contacts/', undefined, { authorization: 'Basic abc' })).status).toBe(401);
    expect((await sb.call('GET', '/contacts/', undefined, { authorization: 'Token' })).status).toBe(401);
    expect((await sb.call('GET', '/contacts/', undefined, AUTH)).status).toBe(401); // default key not valid here
    expect((await sb.call('GET', '/contacts/', undefined, { authorization: 'Token k-123' })).status).toBe(200);
    expect((await sb.call('GET', '/contacts', undefined, { authorization: 'bearer k-123' })).status).toBe(200);
  });

  it('speaks Django-REST errors: 404, 405, malformed JSON, unsupported media type', async () => {
    const auth = { authorization: 'Token k-123' };
    expect((await sb.call('GET', '/contacts/424242/', undefined, auth)).body).toEqual({ detail: 'Not found.' });
    expect((await sb.call('GET', '/contacts/abc/', undefined, auth)).status).toBe(404);
    expect((await sb.call('GET', '/no/such/route/', undefined, auth)).body).toEqual({ detail: 'Not found.' });
    const del = await sb.call('DELETE', '/contacts/1/', undefined, auth);
    expect(del.status).toBe(405);
    expect(del.body).toEqual({ detail: 'Method "DELETE" not allowed.' });
    const bad = await sb.call('POST', '/contacts/', '{"name": "Secret Name",', auth);
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/^JSON parse error - /);
    expect(bad.body.detail).not.toMatch(/Secret/);
    const res = await fetch(`${sb.base}/contacts/`, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'x' });
    expect(res.status).toBe(415);
  });

  it('stays encapsulated inside a host app with other plugins and works under two prefixes', async () => {
    const app = Fastify();
    app.post('/host/echo', async (req) => req.body);
    await app.register(oncallSandbox, { prefix: '/oncall' });
    await app.register(oncallSandbox, { prefix: '/sandbox/oncall' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      const echo = await fetch(`${origin}/host/echo`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'plain' });
      expect(await echo.text()).toBe('plain'); // the host keeps its own parsers
      const hostMissing = await fetch(`${origin}/elsewhere`);
      expect((await hostMissing.json()).message).toMatch(/not found/i); // and its own 404
      for (const prefix of ['/oncall', '/sandbox/oncall']) {
        const base = `${origin}${prefix}`;
        const res = await fetch(`${base}/contacts/`, {
          method: 'POST',
          headers: { ...AUTH, 'content-type': 'application/json' },
          body: JSON.stringify(contactBody(base)),
        });
        expect(res.status).toBe(201);
        expect((await res.json()).url).toBe(`${base}/contacts/1/`);
      }
    } finally {
      await app.close();
    }
  });

  it('tolerates a host that ignores trailing slashes', async () => {
    const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
    await app.register(oncallSandbox, { prefix: '/oncall' });
    const res = await app.inject({ method: 'GET', url: '/oncall/divisions', headers: AUTH });
    expect(res.statusCode).toBe(200);
    await app.close();
  });
});

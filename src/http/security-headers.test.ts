import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { createContext, type AppContext } from '../server/context.js';
import { buildApp } from './app.js';
import { fhirApi } from './fhir/fhir-plugin.js';

/**
 * Issue 6, items 6 (one security-header policy) and 14 (500s logged with a request id), over a
 * real socket on a built engine: API, FHIR API, OAuth, sandboxes, docs and web UI, with their
 * successes, 401s, 404s, 500s and framework errors alike.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function expectPolicy(res: Response, what: string): void {
  const h = (n: string) => res.headers.get(n);
  const csp = h('content-security-policy') ?? '';
  expect(csp, what).toContain("default-src 'self'");
  expect(csp, what).toContain("script-src 'self';");
  expect(csp, what).toContain("script-src-attr 'none'");
  expect(csp, what).toContain("object-src 'none'");
  expect(csp, what).toContain("frame-ancestors 'none'");
  expect(csp, what).not.toContain('upgrade-insecure-requests');
  expect(h('x-content-type-options'), what).toBe('nosniff');
  expect(h('x-frame-options'), what).toBe('DENY');
  expect(h('referrer-policy'), what).toBe('no-referrer');
  expect(h('x-request-id'), what).toMatch(UUID);
  // Plain http: no HSTS.
  expect(h('strict-transport-security'), what).toBeNull();
}

describe('security headers and request ids on every response', () => {
  let dir: string;
  let ctx: AppContext;
  let app: FastifyInstance;
  let url: string;
  const lines: Record<string, unknown>[] = [];
  const rawLog: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ehrb-headers-'));
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          rawLog.push(line);
          lines.push(JSON.parse(line) as Record<string, unknown>);
        }
        cb();
      },
    });
    const config = loadConfig({}, { host: '127.0.0.1', port: 0, databaseUrl: join(dir, 'db.sqlite'), trustProxy: true, ehr: { sandboxMllpPort: 0 } });
    ctx = await createContext(config, { logger: createLogger({ level: 'info', destination: sink }) });
    app = await buildApp(ctx, { sandboxes: true, webUi: true });
    app.post('/__test/boom', { config: { access: 'public' } }, async () => {
      throw new Error('database exploded');
    });
    // A FHIR API instance with one route that fails: its own error handler answers.
    await app.register(
      async (scope) => {
        await fhirApi(scope, { ctx });
        scope.get('/boom', { config: { access: 'public' } }, async () => {
          throw new TypeError('cannot read properties of undefined');
        });
      },
      { prefix: '/fhir-test' },
    );
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    ctx.engineUrl = url;
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies one policy to /api, /fhir, /oauth, /sandbox, /docs, the UI, their 401s, 404s and framework errors', async () => {
    const index = await (await fetch(`${url}/`)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1];
    expect(script).toBeDefined();
    const samples: [string, RequestInit, number][] = [
      ['/healthz', {}, 200],
      ['/api/imports', {}, 401],
      ['/api/api-keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, 401],
      ['/%61pi/imports', {}, 401],
      ['/api/no-such-thing', {}, 404],
      ['/fhir/metadata', {}, 200],
      ['/fhir/Patient?family=Smith', {}, 401],
      ['/fhir/Observation', {}, 404],
      ['/fhir/Patient/%zz', {}, 400],
      ['/oauth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":"client_credentials","client_id":"x","client_secret":"y"}' }, 401],
      ['/sandbox/fhir-emr/metadata', {}, 200],
      ['/sandbox/oncall/providers/', {}, 401],
      ['/docs/json', {}, 200],
      ['/docs/static/index.html', {}, 200],
      ['/', {}, 200],
      ['/imports/123', {}, 200],
      [script!, {}, 200],
      ['/no-such-file.txt', {}, 404],
      ['/__test/boom', { method: 'POST' }, 500],
      ['/fhir-test/boom', {}, 500],
    ];
    for (const [path, init, status] of samples) {
      const res = await fetch(`${url}${path}`, init);
      expect(res.status, path).toBe(status);
      expectPolicy(res, path);
      await res.arrayBuffer();
    }
  });

  it('sends HSTS only on https requests (here: behind a trusted proxy)', async () => {
    const res = await fetch(`${url}/healthz`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect((await fetch(`${url}/healthz`)).headers.get('strict-transport-security')).toBeNull();
  });

  it('makes its own request id: a client X-Request-Id is not taken over', async () => {
    const a = await fetch(`${url}/healthz`, { headers: { 'x-request-id': 'forged-id' } });
    const b = await fetch(`${url}/healthz`);
    expect(a.headers.get('x-request-id')).toMatch(UUID);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });

  it('a 500 carries a request id that its log line carries too, with the route pattern and no patient data', async () => {
    const before = lines.length;
    const res = await fetch(`${url}/__test/boom?family=Smithson&birthdate=1961-04-02`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'client-chosen' },
      body: JSON.stringify({ name: 'Jane Smithson', ssn: '123-45-6789' }),
    });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: string; requestId: string };
    expect(body.error).toBe('internal error');
    expect(body.requestId).toMatch(UUID);
    expect(res.headers.get('x-request-id')).toBe(body.requestId);

    const logged = lines.slice(before).filter((l) => l.requestId === body.requestId);
    expect(logged).toHaveLength(1);
    const line = logged[0]!;
    expect(line.level).toBe(50);
    expect(line.reqId).toBe(body.requestId);
    expect(line.route).toBe('/__test/boom');
    expect(line.method).toBe('POST');
    expect(line.error).toMatchObject({ type: 'Error', message: 'database exploded' });
    expect(String((line.error as { stack: string }).stack)).toContain('security-headers.test.ts');
    const text = rawLog.slice(before).join('\n');
    for (const phi of ['Smithson', 'Jane', '1961-04-02', '123-45-6789', 'family=', 'client-chosen']) expect(text).not.toContain(phi);
  });

  it('a FHIR 500 is an OperationOutcome naming the request id, logged once with it', async () => {
    const before = lines.length;
    const res = await fetch(`${url}/fhir-test/boom?name=Smithson`);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const oo = (await res.json()) as { resourceType: string; issue: { severity: string; code: string; diagnostics: string }[] };
    const id = res.headers.get('x-request-id')!;
    expect(oo.resourceType).toBe('OperationOutcome');
    expect(oo.issue[0]).toMatchObject({ severity: 'fatal', code: 'exception', diagnostics: `Internal server error (request id ${id})` });
    const logged = lines.slice(before).filter((l) => l.requestId === id);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ route: '/fhir-test/boom', error: { type: 'TypeError' } });
    expect(rawLog.slice(before).join('\n')).not.toContain('Smithson');
  });

  it('writes no per-request log lines (URLs carry search terms)', async () => {
    const before = rawLog.length;
    await (await fetch(`${url}/fhir/Patient?family=Quetzalcoatl`)).arrayBuffer();
    await (await fetch(`${url}/api/imports?q=Quetzalcoatl`)).arrayBuffer();
    expect(rawLog.slice(before).join('\n')).not.toContain('Quetzalcoatl');
    // Nor fastify's own info lines: the start-up banner is the first thing on stdout.
    expect(rawLog.join('\n')).not.toContain('Server listening');
  });
});

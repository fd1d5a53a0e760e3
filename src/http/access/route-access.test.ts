import { readdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactTemplate } from '../../../test/helpers/import-harness.js';
import { createPgDatabase, DIALECTS, type TestDialect } from '../../../test/helpers/stores.js';
import { loadConfig } from '../../config/config.js';
import { createContext } from '../../server/context.js';
import { startServer, type RunningServer } from '../../server/start.js';
import { buildApp } from '../app.js';
import { createApiKey, revokeApiKey } from '../auth/api-keys.js';
import { sha256Hex } from '../auth/secrets.js';
import { createOauthClient } from '../oauth/clients.js';
import { TECHNICAL_SCOPES } from '../oauth/scopes.js';
import { issueToken } from '../oauth/tokens.js';
import { WEB_DIST } from '../web-static.js';
import type { RegisteredRoute } from './route-registry.js';

/**
 * The route-walking access test (issue 6, item 1). A real engine, sandboxes on, listening on
 * all interfaces (so the sandboxes' admin routes are behind the engine's login too), reached
 * over 127.0.0.1. EVERY registered route, every method, is called with every kind of bad
 * credential, on its exact path and on encoded / doubled-slash / trailing-slash / upper-case
 * variants, with bodies that WOULD write if they got through; then nothing may have been
 * written and no response may carry stored data.
 */

const PASSWORD = 'correct horse battery';
const MARKER = 'MARKER-4c1f9e';
const FOREIGN = 'https://evil.example';

/** Public routes, by hand: a new public route needs an edit here, a forgotten declaration shows up as 'admin'. */
const EXPECTED_PUBLIC = [
  ...['/docs', '/docs/', '/docs/static/index.html', '/docs/static/swagger-initializer.js', '/docs/json', '/docs/yaml', '/docs/static/*'].flatMap((u) => [`GET ${u}`, `HEAD ${u}`]),
  'GET /healthz',
  'HEAD /healthz',
  'POST /api/auth/login',
  'POST /api/auth/logout',
  'GET /fhir/metadata',
  'HEAD /fhir/metadata',
  'GET /fhir/OperationDefinition/:id',
  'HEAD /fhir/OperationDefinition/:id',
  'POST /oauth/token',
  'POST /hooks/fhir/:token',
  'POST /hooks/oncall',
];

/** The web UI's built files (and `/` for index.html), which @fastify/static declares one by one. */
function webUiRoutes(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(`/${relative(WEB_DIST, p).split('\\').join('/')}`);
    }
  };
  walk(WEB_DIST);
  return ['/', ...files].flatMap((u) => [`GET ${u}`, `HEAD ${u}`]);
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** A raw HTTP request: the path goes on the wire exactly as given (fetch would normalise it). */
function send(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/** Path parameters filled with plausible values: the seeded run's id for `:id`, so a bypass would reveal it. */
function fillParams(url: string, id: string): string {
  return url
    .replace(/:id\b/g, id)
    .replace(/:type\b/g, 'Patient')
    .replace(/:[A-Za-z_]+/g, '3f8e2a4c-9b1d-4e5f-8a7b-6c5d4e3f2a1b')
    .replace(/\*$/, 'x');
}

/** The path as sent, and variants that a router may normalise back onto the same route. */
function variants(path: string): { name: string; path: string; mustMatch: boolean }[] {
  const firstLetter = path.search(/[a-z]/i);
  const encoded = firstLetter < 0 ? path : `${path.slice(0, firstLetter)}%${path.charCodeAt(firstLetter).toString(16)}${path.slice(firstLetter + 1)}`;
  const secondSlash = path.indexOf('/', 1);
  return [
    { name: 'exact', path, mustMatch: true },
    { name: 'percent-encoded letter', path: encoded, mustMatch: true },
    { name: 'encoded slash', path: secondSlash < 0 ? `${path}%2F` : `${path.slice(0, secondSlash)}%2F${path.slice(secondSlash + 1)}`, mustMatch: false },
    { name: 'doubled slashes', path: path.replace(/\//g, '//'), mustMatch: false },
    { name: 'trailing slash', path: `${path}/`, mustMatch: false },
    { name: 'upper case', path: path.toUpperCase(), mustMatch: false },
  ];
}

describe.each(DIALECTS)('route access, default-deny (%s)', (dialect: TestDialect) => {
  let server: RunningServer;
  let port = 0;
  let dir = '';
  let drop: (() => Promise<void>) | undefined;
  let routes: RegisteredRoute[] = [];
  const creds = {} as {
    session: string;
    expiredSession: string;
    apiKey: string;
    apiKeyId: string;
    revokedKey: string;
    token: string;
    expiredToken: string;
    clientId: string;
    runId: string;
    lacking: Map<string, string>;
  };
  const indexHtml = { body: '' };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ehrb-access-'));
    let databaseUrl = join(dir, 'db.sqlite');
    if (dialect === 'postgres') {
      const pg = await createPgDatabase();
      databaseUrl = pg.url;
      drop = pg.drop;
    }
    server = await startServer({ port: 0, host: '0.0.0.0', sandboxes: true, databaseUrl, logLevel: 'silent', admin: { password: PASSWORD }, ehr: { sandboxMllpPort: 0 } });
    port = Number(new URL(server.url).port);
    routes = server.app.registeredRoutes();
    const db = server.ctx.store.db;

    const login = async () => {
      const r = await send(port, 'POST', '/api/auth/login', { 'content-type': 'application/json' }, JSON.stringify({ user: 'admin', password: PASSWORD }));
      expect(r.status).toBe(200);
      return String(r.headers['set-cookie']?.[0]).split(';')[0]!;
    };
    creds.session = await login();
    creds.expiredSession = await login();
    await db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 60_000).toISOString() }).where('token_hash', '=', sha256Hex(creds.expiredSession.split('=')[1]!)).execute();

    const key = await createApiKey(db, 'walker');
    creds.apiKey = key.key;
    creds.apiKeyId = key.id;
    const revoked = await createApiKey(db, 'revoked');
    await revokeApiKey(db, revoked.id);
    creds.revokedKey = revoked.key;

    const client = await createOauthClient(db, { name: 'walker-client', scopes: 'SEND_TO_EHR PATIENT_GAM_SEARCH' });
    creds.clientId = client.id;
    creds.token = (await issueToken(db, { clientId: client.id, scopes: ['SEND_TO_EHR', 'PATIENT_GAM_SEARCH'], ttlSeconds: 600 })).accessToken;
    creds.expiredToken = (await issueToken(db, { clientId: client.id, scopes: ['SEND_TO_EHR', 'PATIENT_GAM_SEARCH'], ttlSeconds: 600 })).accessToken;
    await db.updateTable('oauth_tokens').set({ expires_at: new Date(Date.now() - 60_000).toISOString() }).where('token_hash', '=', sha256Hex(creds.expiredToken)).execute();
    creds.lacking = new Map();
    for (const scope of TECHNICAL_SCOPES) {
      const others = TECHNICAL_SCOPES.filter((s) => s !== scope);
      creds.lacking.set(scope, (await issueToken(db, { clientId: client.id, scopes: others, ttlSeconds: 600 })).accessToken);
    }

    const run = await send(
      port,
      'POST',
      '/api/imports',
      { 'content-type': 'application/json', 'x-api-key': creds.apiKey },
      JSON.stringify({ target: 'oncall', recordType: 'contacts', fileName: `${MARKER}.csv`, mapping: contactTemplate(), defaults: { division: '1', provider: '1' } }),
    );
    expect(run.status).toBe(201);
    creds.runId = (JSON.parse(run.body) as { id: string }).id;
    indexHtml.body = (await send(port, 'GET', '/', {})).body;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What the database and the sandboxes hold, to compare before and after the walk. */
  const snapshot = async () => {
    const db = server.ctx.store.db;
    const count = async (t: 'api_keys' | 'oauth_clients' | 'oauth_tokens' | 'mapping_templates' | 'import_runs' | 'import_rows' | 'sessions' | 'ehr_transactions' | 'login_lockouts' | 'jobs') =>
      Number((await db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const admin = { 'x-api-key': creds.apiKey };
    return {
      apiKeys: await db.selectFrom('api_keys').select(['id', 'revoked_at']).orderBy('id').execute(),
      oauthClients: await db.selectFrom('oauth_clients').select(['id', 'revoked_at']).orderBy('id').execute(),
      runs: await db.selectFrom('import_runs').select(['id', 'status']).orderBy('id').execute(),
      settings: await db.selectFrom('settings').selectAll().orderBy('key').execute(),
      counts: {
        tokens: await count('oauth_tokens'),
        templates: await count('mapping_templates'),
        rows: await count('import_rows'),
        sessions: await count('sessions'),
        transactions: await count('ehr_transactions'),
        lockouts: await count('login_lockouts'),
      },
      oncallStats: JSON.parse((await send(port, 'GET', '/sandbox/oncall/_admin/stats', admin)).body) as { contacts: number; appointments: number },
      oncallFaults: (await send(port, 'GET', '/sandbox/oncall/_admin/faults', admin)).body,
      oncallWebhooks: (await send(port, 'GET', '/sandbox/oncall/_admin/webhooks', admin)).body,
      ehrReceived: (await send(port, 'GET', '/sandbox/ehr/_admin/received', admin)).body,
    };
  };

  it('declares exactly the expected public routes; every other engine route needs credentials', () => {
    const key = (r: RegisteredRoute) => `${r.method} ${r.url}`;
    const publicRoutes = routes.filter((r) => r.access === 'public').map(key).sort();
    expect(publicRoutes).toEqual([...new Set([...EXPECTED_PUBLIC, ...webUiRoutes()])].sort());
    // Only the emulators' own partner APIs are open by design, and only under /sandbox.
    for (const r of routes.filter((x) => x.access === 'partner-sandbox')) expect(r.url, key(r)).toMatch(/^\/sandbox\/(oncall|fhir-emr|ehr)\//);
    for (const r of routes.filter((x) => x.access === 'sandbox-admin')) expect(r.url, key(r)).toMatch(/^\/sandbox\//);
    expect(routes.filter((r) => r.access === 'admin').length).toBeGreaterThan(40);
  });

  it('refuses every non-public route, every method, every bad credential and every path variant, and nothing is written or read', async () => {
    const before = await snapshot();
    const guarded = routes.filter((r) => r.access !== 'public' && r.access !== 'partner-sandbox');
    expect(guarded.length).toBeGreaterThan(60);
    const writeBody = (url: string) => {
      if (url === '/api/mapping-templates' || url.startsWith('/api/mapping-templates/')) return { name: `${MARKER}-tpl`, target: 'oncall', recordType: 'contacts', mapping: contactTemplate() };
      if (url === '/api/imports') return { target: 'oncall', recordType: 'contacts', fileName: 'bypass.csv', mapping: contactTemplate(), defaults: { division: '1', provider: '1' } };
      // Fits the other writers: API keys and OAuth clients (name, scopes), OnCall sandbox faults and webhooks.
      return { name: 'bypass', scopes: 'SEND_TO_EHR PATIENT_GAM_SEARCH', errorRate: 1, latencyMs: 5, url: 'http://127.0.0.1:9/hook', secret: 'bypass-secret' };
    };
    const failures: string[] = [];
    const seen: { status: number; body: string }[] = [];
    const cases: { route: RegisteredRoute; variant: ReturnType<typeof variants>[number]; cred: string; headers: Record<string, string>; body?: string; expect: number[] }[] = [];
    for (const route of guarded) {
      const path = fillParams(route.url, route.url.startsWith('/api/api-keys/') ? creds.apiKeyId : route.url.startsWith('/api/oauth-clients/') ? creds.clientId : creds.runId);
      const writes = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(route.method);
      const json = writes ? JSON.stringify(writeBody(route.url)) : undefined;
      const jsonHeaders: Record<string, string> = writes ? { 'content-type': 'application/json' } : {};
      const credentialCases: { cred: string; headers: Record<string, string>; body?: string; expect: number[] }[] = [];
      if (typeof route.access === 'object') {
        const scope = route.access.fhirScope;
        credentialCases.push(
          { cred: 'none', headers: {}, expect: [401] },
          { cred: 'unknown token', headers: { authorization: 'Bearer ehrt_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG' }, expect: [401] },
          { cred: 'expired token', headers: { authorization: `Bearer ${creds.expiredToken}` }, expect: [401] },
          { cred: 'engine API key', headers: { authorization: `Bearer ${creds.apiKey}` }, expect: [401] },
          { cred: 'engine session', headers: { cookie: creds.session, origin: `http://127.0.0.1:${port}` }, expect: [401] },
          { cred: `token lacking ${scope}`, headers: { authorization: `Bearer ${creds.lacking.get(scope)}` }, expect: [403] },
        );
      } else {
        credentialCases.push(
          { cred: 'none', headers: {}, expect: [401] },
          { cred: 'wrong API key', headers: { authorization: 'Bearer ehrb_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG' }, expect: [401] },
          { cred: 'wrong X-API-Key', headers: { 'x-api-key': 'ehrb_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG' }, expect: [401] },
          { cred: 'revoked API key', headers: { authorization: `Bearer ${creds.revokedKey}` }, expect: [401] },
          { cred: 'expired session', headers: { cookie: creds.expiredSession, origin: `http://127.0.0.1:${port}` }, expect: [401] },
          { cred: 'FHIR access token', headers: { authorization: `Bearer ${creds.token}` }, expect: [401] },
          { cred: 'expired FHIR token', headers: { authorization: `Bearer ${creds.expiredToken}` }, expect: [401] },
        );
        if (writes) {
          credentialCases.push(
            { cred: 'session, foreign Origin', headers: { cookie: creds.session, origin: FOREIGN }, expect: [403] },
            { cred: 'session, no Origin', headers: { cookie: creds.session }, expect: [403] },
            { cred: 'session, foreign Referer', headers: { cookie: creds.session, referer: `${FOREIGN}/page` }, expect: [403] },
            {
              cred: 'API key, form body',
              headers: { 'x-api-key': creds.apiKey, 'content-type': 'application/x-www-form-urlencoded' },
              body: 'name=bypass&scopes=SEND_TO_EHR',
              expect: [415],
            },
          );
        }
      }
      for (const variant of variants(path)) {
        for (const c of credentialCases) {
          cases.push({ route, variant, cred: c.cred, headers: { ...jsonHeaders, ...c.headers }, body: c.body ?? json, expect: c.expect });
        }
      }
    }

    await inBatches(cases, 8, async (c) => {
      const r = await send(port, c.route.method, c.variant.path, c.headers, c.body);
      const label = `${c.route.method} ${c.variant.path} (${c.variant.name}, ${c.cred}) -> ${r.status}`;
      seen.push({ status: r.status, body: r.body });
      const uiShell = c.route.method === 'GET' && r.status === 200 && r.body === indexHtml.body;
      const notFound = r.status === 404;
      if (c.variant.mustMatch) {
        if (!c.expect.includes(r.status)) failures.push(label);
      } else if (!(c.expect.includes(r.status) || notFound || uiShell || (c.cred.startsWith('token lacking') && r.status === 400))) {
        // (A variant may land on a neighbouring route: `/fhir/Encounter/` is a read with an
        // empty id, for which a token lacking only the search scope is valid, and answers 400.)
        failures.push(label);
      }
      if (r.status === 401 && typeof c.route.access === 'object' && !String(r.headers['www-authenticate']).startsWith('Bearer')) failures.push(`${label}: no WWW-Authenticate`);
      if (r.status === 401 && typeof c.route.access === 'object' && c.route.method !== 'HEAD' && !r.body.includes('"OperationOutcome"')) failures.push(`${label}: not an OperationOutcome`);
    });
    expect(failures).toEqual([]);
    expect(cases.length).toBeGreaterThan(1000);

    // Nothing read: no answer carries the seeded run, the key, or the client.
    for (const { status, body } of seen) {
      expect(body).not.toContain(MARKER);
      expect(body).not.toContain('walker-client');
      // (A 404 may name the path it did not find, which holds the id.)
      if (status !== 404) expect(body).not.toContain(creds.runId);
    }
    // Nothing written: no key, client, template, run, row, session, transaction, sandbox change.
    expect(await snapshot()).toEqual(before);

    // The write bodies do write when the credentials are good (so the walk could have seen a bypass).
    const ok = await send(port, 'POST', '/api/api-keys', { 'content-type': 'application/json', 'x-api-key': creds.apiKey }, JSON.stringify(writeBody('/api/api-keys')));
    expect(ok.status).toBe(201);
    const viaSession = await send(port, 'POST', '/api/oauth-clients', { 'content-type': 'application/json', cookie: creds.session, origin: `http://127.0.0.1:${port}` }, JSON.stringify(writeBody('/api/oauth-clients')));
    expect(viaSession.status).toBe(201);
    const faults = await send(port, 'POST', '/sandbox/oncall/_admin/faults', { 'content-type': 'application/json', 'x-api-key': creds.apiKey }, JSON.stringify({ latencyMs: 5 }));
    expect(faults.status).toBe(200);
    // The token endpoint still takes form bodies (RFC 6749), although the engine API does not.
    const tokenForm = await send(port, 'POST', '/oauth/token', { 'content-type': 'application/x-www-form-urlencoded' }, 'grant_type=client_credentials&client_id=nobody&client_secret=x');
    expect(tokenForm.status).toBe(401);
    expect(JSON.parse(tokenForm.body)).toMatchObject({ error: 'invalid_client' });
  }, 240_000);
});

describe('route access, routes added later', () => {
  it('a route that declares nothing is admin, on any prefix and inside any plugin', async () => {
    const ctx = await createContext(loadConfig({}, { databaseUrl: ':memory:', logLevel: 'silent', sandboxes: false, ehr: { sandboxMllpPort: 0 } }));
    const app = await buildApp(ctx, { sandboxes: false, webUi: false });
    let ran = 0;
    app.get('/later/data', async () => {
      ran++;
      return { secret: 1 };
    });
    await app.register(async (scope) => {
      scope.post('/api/later', async () => {
        ran++;
        return { written: true };
      });
    }, { prefix: '/x' });
    try {
      expect((await app.inject({ method: 'GET', url: '/later/data' })).statusCode).toBe(401);
      expect((await app.inject({ method: 'GET', url: '/l%61ter/data' })).statusCode).toBe(401);
      expect((await app.inject({ method: 'POST', url: '/x/api/later', payload: {} })).statusCode).toBe(401);
      expect(ran).toBe(0);
      expect(app.registeredRoutes().filter((r) => r.url.includes('later')).map((r) => r.access)).toEqual(['admin', 'admin', 'admin']);
    } finally {
      await app.close();
      await ctx.close();
    }
  });
});

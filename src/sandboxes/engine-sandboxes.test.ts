import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { createApiKey } from '../http/auth/api-keys.js';
import { createOauthClient } from '../http/oauth/clients.js';
import { startServer, type RunningServer } from '../server/start.js';
import { oncallTargetLine, sandboxBannerLines } from './banner.js';
import { getEhrSandboxInfo } from './ehr/plugin.js';
import { oncallSandboxApiKey } from './embedded.js';
import { resolveSandboxes } from './enabled.js';
import { mountSandboxes } from './mount.js';
import { DEFAULT_ONCALL_SANDBOX_API_KEY } from './oncall/plugin.js';

/**
 * Issue 6, item 2: the sandboxes are a demo. On only with no partner configured and a loopback
 * host (unless EHR_BRIDGE_SANDBOXES says otherwise); when served on a reachable engine, their
 * `/_admin` routes and the FHIR EMR's writes sit behind the engine's login.
 */
const dirs: string[] = [];
const servers: RunningServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function engine(overrides: Record<string, unknown>): Promise<{ server: RunningServer; origin: string; apiKey: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ehrb-sandboxes-'));
  dirs.push(dir);
  const server = await startServer(
    { port: 0, host: '127.0.0.1', databaseUrl: join(dir, 'db.sqlite'), logLevel: 'silent', admin: { password: 'correct horse battery' }, ehr: { sandboxMllpPort: 0 }, ...overrides },
    {},
  );
  servers.push(server);
  const addr = server.app.server.address();
  // Bound to 0.0.0.0 or 127.0.0.1: either way reached over loopback, without leaving the machine.
  const origin = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const { key } = await createApiKey(server.ctx.store.db, 'test');
  return { server, origin, apiKey: key };
}

const cfg = (env: Record<string, string>, overrides: Record<string, unknown> = {}) => loadConfig(env, overrides);

describe('which configuration serves the sandboxes', () => {
  it.each([
    ['nothing configured, default host (localhost)', {}, {}, true],
    ['HOST=127.0.0.1', { HOST: '127.0.0.1' }, {}, true],
    ['HOST=::1', { HOST: '::1' }, {}, true],
    ['ONCALL_BASE_URL', { ONCALL_BASE_URL: 'https://api.oncallhealth.ca' }, {}, false],
    ['ONCALL_REGION', { ONCALL_REGION: 'us' }, {}, false],
    ['EHR_BRIDGE_EMR_FHIR_URL', { EHR_BRIDGE_EMR_FHIR_URL: 'https://emr.example/fhir' }, {}, false],
    ['an EHR route with an MLLP address', { EHR_BRIDGE_EHR_ROUTES: '{"default":{"transport":{"kind":"mllp","host":"10.0.0.5","port":6661}}}' }, {}, false],
    ['an EHR route with a drop folder', {}, { ehr: { routes: { default: {}, chu: { format: 'hprim', transport: { kind: 'file', dir: '/mnt/in' } } } } }, false],
    ['an EHR route with a URL', {}, { ehr: { routes: { default: { format: 'json', transport: { kind: 'http', url: 'https://ehr.example/in' } } } } }, false],
    ['HOST=0.0.0.0', { HOST: '0.0.0.0' }, {}, false],
    ['HOST=10.1.2.3', { HOST: '10.1.2.3' }, {}, false],
    ['HOST=0.0.0.0, EHR_BRIDGE_SANDBOXES=true', { HOST: '0.0.0.0', EHR_BRIDGE_SANDBOXES: 'true' }, {}, true],
    ['a partner, EHR_BRIDGE_SANDBOXES=1', { ONCALL_REGION: 'ca', EHR_BRIDGE_SANDBOXES: '1' }, {}, true],
    ['nothing configured, EHR_BRIDGE_SANDBOXES=false', { EHR_BRIDGE_SANDBOXES: 'false' }, {}, false],
    ['an explicit false wins over everything', { HOST: '127.0.0.1', EHR_BRIDGE_SANDBOXES: 'off' }, {}, false],
  ])('%s', (_name, env, overrides, enabled) => {
    const d = resolveSandboxes(cfg(env as Record<string, string>, overrides));
    expect(d.enabled).toBe(enabled);
    expect(d.reason).not.toContain('10.0.0.5'); // names settings, not their values
  });

  it('refuses a value that is not a switch', () => {
    expect(() => cfg({ EHR_BRIDGE_SANDBOXES: 'maybe' })).toThrow(/sandboxes/);
  });

  it('keeps the demo OnCall key on loopback only; a reachable engine gets a random one', () => {
    expect(oncallSandboxApiKey({ host: '127.0.0.1' }, {})).toBe(DEFAULT_ONCALL_SANDBOX_API_KEY);
    const reachable = oncallSandboxApiKey({ host: '0.0.0.0' }, {});
    expect(reachable).not.toBe(DEFAULT_ONCALL_SANDBOX_API_KEY);
    expect(reachable.length).toBeGreaterThan(30);
    expect(oncallSandboxApiKey({ host: '0.0.0.0' }, { SANDBOX_ONCALL_API_KEY: 'mine' })).toBe('mine');
  });
});

describe('every sandbox route declares its access', () => {
  it("tags /_admin routes and the FHIR EMR's writes 'sandbox-admin', the partners' APIs 'partner-sandbox'", async () => {
    const app = Fastify();
    const routes: { method: string; url: string }[] = [];
    app.addHook('onRoute', (r) => {
      for (const m of [r.method].flat()) routes.push({ method: m, url: r.url });
    });
    const seen = new Map<string, unknown>();
    // Answer before any handler: this test only reads what the matched route declares.
    app.addHook('onRequest', async (req, reply) => {
      seen.set(`${req.method} ${req.routeOptions.url}`, req.routeOptions.config.access);
      return reply.code(204).send();
    });
    await mountSandboxes(app, '/sandbox', { ehr: { mllpPort: 0 } });
    await app.ready();
    try {
      expect(routes.length).toBeGreaterThan(50);
      for (const { method, url } of routes) {
        const res = await app.inject({ method: method as 'GET', url: url.replace(/:(\w+)/g, 'x1') });
        expect(res.statusCode, `${method} ${url}`).toBe(204);
        const access = seen.get(`${method} ${url}`);
        const admin = url.includes('/_admin') || (url === '/sandbox/fhir-emr/:type' && method === 'POST') || (url === '/sandbox/fhir-emr/:type/:id' && ['PUT', 'DELETE'].includes(method)) || url.startsWith('/sandbox/fhir-emr/Subscription');
        expect(access, `${method} ${url}`).toBe(admin ? 'sandbox-admin' : 'partner-sandbox');
      }
      expect(seen.get('GET /sandbox/ehr/_admin/received/:id/document')).toBe('sandbox-admin');
      expect(seen.get('POST /sandbox/oncall/_admin/webhooks/')).toBe('sandbox-admin');
      expect(seen.get('POST /sandbox/fhir-emr/:type/_search')).toBe('partner-sandbox');
    } finally {
      await app.close();
    }
  });
});

describe('sandboxes on a real engine', () => {
  it('are on in the embedded demo (loopback, no partner): the admin routes answer without login', async () => {
    const { server, origin } = await engine({});
    expect((await fetch(`${origin}/sandbox/ehr/_admin/received`)).status).toBe(200);
    expect((await fetch(`${origin}/sandbox/fhir-emr/metadata`)).status).toBe(200);
    const banner = sandboxBannerLines(server).join('\n');
    expect(banner).toContain(`${server.url}/sandbox/oncall/`);
    expect(banner).toContain(DEFAULT_ONCALL_SANDBOX_API_KEY);
    expect(oncallTargetLine(server)).toContain('/sandbox/oncall/ (sandbox)');
  });

  it('are off once a partner is configured: /sandbox answers 404, the banner lists none', async () => {
    const { server, origin } = await engine({ oncall: { baseUrl: 'http://127.0.0.1:9/oncall', apiKey: 'k' } });
    for (const path of ['/sandbox/ehr/_admin/received', '/sandbox/oncall/divisions/', '/sandbox/fhir-emr/metadata', '/sandbox/fhir-emr/Patient']) {
      const res = await fetch(`${origin}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain('<html');
    }
    expect(() => getEhrSandboxInfo(server.app)).toThrow(/not registered/); // no MLLP listener either
    const banner = sandboxBannerLines(server);
    expect(banner.join('\n')).not.toContain('/sandbox/');
    expect(banner).toEqual(['  sandboxes     off: a real partner is configured (ONCALL_BASE_URL); EHR_BRIDGE_SANDBOXES=true serves them anyway']);
    expect(oncallTargetLine(server)).toBe('  OnCall target http://127.0.0.1:9/oncall');
  });

  it('are off on a reachable host unless explicitly on; the partner features then say what to configure', async () => {
    const { server, origin, apiKey } = await engine({ host: '0.0.0.0' });
    expect((await fetch(`${origin}/sandbox/ehr/_admin/received`)).status).toBe(404);
    expect((await fetch(`${origin}/sandbox/oncall/_admin/webhooks/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"url":"http://127.0.0.1:1/"}' })).status).toBe(404);
    expect(sandboxBannerLines(server)).toEqual(['  sandboxes     off: HOST=0.0.0.0 is reachable from the network; EHR_BRIDGE_SANDBOXES=true serves them anyway']);
    expect(oncallTargetLine(server)).toBe('  OnCall target not configured (set ONCALL_BASE_URL or ONCALL_REGION, and ONCALL_API_KEY)');
    // One clear message, not a connection error to a sandbox that is not there.
    const divisions = await fetch(`${origin}/api/targets/oncall/divisions`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(divisions.status).toBe(502);
    expect(((await divisions.json()) as { error: string }).error).toContain('OnCall Health is not configured: set ONCALL_BASE_URL');

    // Same for the EMR behind the FHIR API: no sandbox FHIR EMR to fall back on.
    const client = await createOauthClient(server.ctx.store.db, { name: 'app', scopes: 'SEND_TO_EHR PATIENT_GAM_SEARCH' });
    const token = ((await (
      await fetch(`${origin}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret }),
      })
    ).json()) as { access_token: string }).access_token;
    const bearer = { authorization: `Bearer ${token}` };
    for (const path of ['/fhir/Patient?family=Smith', '/fhir/Patient/p1']) {
      const res = await fetch(`${origin}${path}`, { headers: bearer });
      expect(res.status, path).toBe(503);
      expect(JSON.stringify(await res.json())).toContain('The EMR is not configured: set EHR_BRIDGE_EMR_FHIR_URL');
    }
    const sent = await fetch(`${origin}/fhir/CommunicationRequest/$send-to-ehr`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'subject', valueReference: { reference: 'Patient/p1' } }, { name: 'payload', valueString: Buffer.from('%PDF-1.4\n%%EOF\n').toString('base64') }] }),
    });
    expect(sent.status).toBe(503);
    expect(JSON.stringify(await sent.json())).toContain('The EMR is not configured');
    const stored = await server.ctx.store.db.selectFrom('ehr_transactions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(0); // refused before anything was stored
  });

  it('explicitly on with a reachable host: /_admin and FHIR EMR writes need the admin login, nothing is read or written without it', async () => {
    const { server, origin, apiKey } = await engine({ host: '0.0.0.0', sandboxes: true });
    const store = getEhrSandboxInfo(server.app).store;
    store.add({ transport: 'mllp', controlId: 'C1', messageType: 'ORU^R01', ack: 'AA', accepted: true, errors: [], raw: 'PID|||123||Secretname^Ann', rawElided: 'PID|||123||Secretname^Ann' }, Buffer.from('%PDF-1.4 secret'));
    const [item] = store.list();
    const auth = { authorization: `Bearer ${apiKey}` };

    for (const path of [
      '/sandbox/ehr/_admin/received',
      '/sandbox/ehr/%5Fadmin/received', // the router decodes it to the same route
      '/sandbox//ehr/_admin/received',
      `/sandbox/ehr/_admin/received/${item!.id}`,
      `/sandbox/ehr/_admin/received/${item!.id}/raw`,
      `/sandbox/ehr/_admin/received/${item!.id}/document`,
      '/sandbox/oncall/_admin/stats/',
      '/sandbox/oncall/_admin/webhooks',
      '/sandbox/fhir-emr/_admin/stats',
    ]) {
      const res = await fetch(`${origin}${path}`);
      const text = await res.text();
      expect([401, 404], path).toContain(res.status);
      expect(text, path).not.toMatch(/Secretname|PDF/);
    }
    expect((await fetch(`${origin}/sandbox/ehr/_admin/received`)).status).toBe(401);
    // Each emulator's refusal is the engine's, in plain words (not the partner's "malformed request").
    for (const path of ['/sandbox/oncall/_admin/stats/', '/sandbox/fhir-emr/_admin/stats', '/sandbox/ehr/_admin/received']) {
      expect(await (await fetch(`${origin}${path}`)).json(), path).toEqual({ error: 'authentication required: log in or send an API key' });
    }
    const head = await fetch(`${origin}/sandbox/ehr/_admin/received`, { method: 'HEAD' });
    expect(head.status).toBe(401);

    // Writes refused and not applied.
    const hook = await fetch(`${origin}/sandbox/oncall/_admin/webhooks/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"url":"http://127.0.0.1:1/"}' });
    expect(hook.status).toBe(401);
    const reset = await fetch(`${origin}/sandbox/ehr/_admin/reset`, { method: 'POST' });
    expect(reset.status).toBe(401);
    expect(store.list()).toHaveLength(1);
    const patient = { resourceType: 'Patient', name: [{ family: 'Plantedpatient', given: ['Eve'] }], gender: 'female', birthDate: '1990-01-01' };
    const planted = await fetch(`${origin}/sandbox/fhir-emr/Patient`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(patient) });
    expect(planted.status).toBe(401);
    const search = await fetch(`${origin}/sandbox/fhir-emr/Patient?family=Plantedpatient`);
    expect(search.status).toBe(200); // the partner API itself stays open to the engine
    expect(((await search.json()) as { total?: number; entry?: unknown[] }).entry ?? []).toHaveLength(0);

    // With the engine's credentials, the same routes answer.
    const listed = await fetch(`${origin}/sandbox/ehr/_admin/received`, { headers: auth });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { items: { controlId: string }[] }).items.map((i) => i.controlId)).toEqual(['C1']);
    const webhooks = (await (await fetch(`${origin}/sandbox/oncall/_admin/webhooks/`, { headers: auth })).json()) as { url: string | null };
    expect(webhooks.url).toBeNull();

    // The OnCall sandbox's own key is not the published demo key on a reachable engine.
    expect((await fetch(`${origin}/sandbox/oncall/divisions/`, { headers: { authorization: `Token ${DEFAULT_ONCALL_SANDBOX_API_KEY}` } })).status).toBe(401);
    expect((await fetch(`${origin}/sandbox/oncall/divisions/`, { headers: { authorization: `Token ${oncallSandboxApiKey(server.ctx.config)}` } })).status).toBe(200);
    const divisions = await fetch(`${origin}/api/targets/oncall/divisions`, { headers: auth });
    expect(divisions.status).toBe(200); // and the engine's own client uses that key
    expect(sandboxBannerLines(server).join('\n')).toContain('need the admin login because HOST=0.0.0.0');
  });
});

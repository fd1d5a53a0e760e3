import fastifyFormbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testStore, type TestStore } from '../../../test/helpers/stores.js';
import { loadConfig } from '../../config/config.js';
import { createLogger } from '../../logging/logger.js';
import type { AppContext } from '../../server/context.js';
import { createOauthClient, listOauthClients, revokeOauthClient } from './clients.js';
import { oauthTokenRoutes } from './token-route.js';
import { purgeExpiredTokens, verifyAccessToken } from './tokens.js';

/** The token endpoint over real HTTP, clients and tokens in SQLite and PostgreSQL. */
describe.each(DIALECTS)('OAuth client credentials (%s)', (dialect) => {
  let store: TestStore;
  let app: FastifyInstance;
  let base: string;
  let client: { id: string; secret: string };

  beforeAll(async () => {
    store = await testStore(dialect);
    const config = loadConfig({}, { oauth: { tokenTtlSeconds: 120 } });
    app = Fastify();
    await app.register(fastifyFormbody);
    await app.register(oauthTokenRoutes, { ctx: { store, config, logger: createLogger({ level: 'silent' }) } as unknown as AppContext });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    client = await createOauthClient(store.db, { name: 'lifen-app', scopes: 'SEND_TO_EHR' });
  });
  afterAll(async () => {
    await app.close();
    await store.dispose();
  });

  const token = (body: Record<string, string>, opts: { json?: boolean; headers?: Record<string, string> } = {}) =>
    fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': opts.json ? 'application/json' : 'application/x-www-form-urlencoded', ...opts.headers },
      body: opts.json ? JSON.stringify(body) : new URLSearchParams(body).toString(),
    }).then(async (r) => ({ status: r.status, headers: r.headers, body: (await r.json()) as Record<string, unknown> }));

  it('issues an expiring Bearer token for a form body and a JSON body, stored only as a hash', async () => {
    const form = await token({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret, audience: 'https://api.lifen.fr' });
    expect(form.status).toBe(200);
    expect(form.body).toMatchObject({ token_type: 'Bearer', expires_in: 120, scope: 'SEND_TO_EHR' });
    expect(form.headers.get('cache-control')).toBe('no-store');
    const json = await token({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret }, { json: true });
    expect(json.status).toBe(200);
    const access = String(json.body.access_token);
    const rows = await store.db.selectFrom('oauth_tokens').select('token_hash').execute();
    expect(rows).toHaveLength(2);
    expect(rows.some((r) => r.token_hash === access)).toBe(false);
    const check = await verifyAccessToken(store.db, access);
    expect(check.ok && [...check.principal.granted]).toEqual(expect.arrayContaining(['COMMUNICATIONREQUEST_CREATE', 'BINARY_CREATE', 'ORGANIZATION_READ', 'DOCUMENTREFERENCE_CREATE']));
    expect(check.ok && check.principal.granted.has('PATIENT_SEARCH')).toBe(false);
  });

  it('accepts HTTP Basic client authentication', async () => {
    const basic = Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64');
    const r = await token({ grant_type: 'client_credentials' }, { headers: { authorization: `Basic ${basic}` } });
    expect(r.status).toBe(200);
  });

  it('answers RFC 6749 errors: invalid_client, unsupported_grant_type, invalid_scope, invalid_request', async () => {
    const bad = await token({ grant_type: 'client_credentials', client_id: client.id, client_secret: 'wrong' });
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe('invalid_client');
    expect(bad.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await token({ grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' })).body.error).toBe('invalid_client');
    const grant = await token({ grant_type: 'password', client_id: client.id, client_secret: client.secret });
    expect(grant).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    const scope = await token({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret, scope: 'PATIENT_GAM_SEARCH' });
    expect(scope).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
    const narrower = await token({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret, scope: 'BINARY_CREATE' });
    expect(narrower).toMatchObject({ status: 200, body: { scope: 'BINARY_CREATE' } });
    expect((await token({ client_id: client.id }, {})).body.error).toBe('invalid_request');
    const garbage = await fetch(`${base}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('expires tokens, purges them, and revoking a client kills its tokens at once', async () => {
    const r = await token({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret });
    const access = String(r.body.access_token);
    expect((await verifyAccessToken(store.db, access)).ok).toBe(true);
    const later = new Date(Date.now() + 121_000);
    await store.db.updateTable('oauth_tokens').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).execute();
    expect(await verifyAccessToken(store.db, access)).toEqual({ ok: false, reason: 'expired' });
    expect(await purgeExpiredTokens(store.db, later)).toBeGreaterThan(0);

    const other = await createOauthClient(store.db, { name: 'to-revoke', scopes: ['PATIENT_GAM_SEARCH'] });
    const t2 = await token({ grant_type: 'client_credentials', client_id: other.id, client_secret: other.secret });
    expect(await revokeOauthClient(store.db, other.id)).toBe(true);
    expect((await verifyAccessToken(store.db, String(t2.body.access_token))).ok).toBe(false);
    expect((await token({ grant_type: 'client_credentials', client_id: other.id, client_secret: other.secret })).status).toBe(401);
    const listed = await listOauthClients(store.db);
    expect(listed.find((c) => c.id === other.id)?.revokedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(other.secret);
  });

  it('refuses unknown scopes when a client is created', async () => {
    await expect(createOauthClient(store.db, { name: 'x', scopes: 'SEND_TO_EHR ADMIN' })).rejects.toThrow(/unknown scope/);
  });
});

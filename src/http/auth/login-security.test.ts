import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, DIALECTS, type TestDialect } from '../../../test/helpers/stores.js';
import { ConfigError, loadConfig } from '../../config/config.js';
import { openStore } from '../../store/db.js';
import { startServer, type RunningServer } from '../../server/start.js';
import { setAdminPassword } from './admin-account.js';
import { LOCKOUT_AFTER_FAILURES, recordLoginFailure } from './login-lockout.js';
import { LOGIN_LIMITS } from './login-throttle.js';
import { sha256Hex } from './secrets.js';

/**
 * Sign-in hardening on a real engine (issue 6, items 8, 10, 11, 12): request rate limits per
 * address and per account, the lockout kept in the database, sessions that end with a password
 * change or their expiry, the Secure cookie behind a TLS proxy, the Origin check. Storage
 * (lockouts, sessions) on both dialects.
 */
const PASSWORD = 'correct horse battery';

interface Db {
  url: string;
  drop: () => Promise<void>;
}
async function database(dialect: TestDialect, dir: string): Promise<Db> {
  if (dialect === 'postgres') return createPgDatabase();
  return { url: join(dir, `db-${Math.random().toString(36).slice(2)}.sqlite`), drop: async () => {} };
}

const servers: RunningServer[] = [];
async function engine(databaseUrl: string, extra: Record<string, unknown> = {}): Promise<RunningServer> {
  const s = await startServer({ port: 0, host: '127.0.0.1', databaseUrl, logLevel: 'silent', admin: { password: PASSWORD }, sandboxes: false, ehr: { sandboxMllpPort: 0 }, ...extra });
  servers.push(s);
  return s;
}
async function stop(s: RunningServer) {
  servers.splice(servers.indexOf(s), 1);
  await s.close();
}

/** The engine's own address (s.url is the public URL when one is configured). */
function local(s: RunningServer): string {
  const a = s.app.server.address();
  return `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
}
function login(s: RunningServer, user: string, password: string, headers: Record<string, string> = {}) {
  return fetch(`${local(s)}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ user, password }) });
}
const cookieOf = (r: Response) => r.headers.get('set-cookie')?.split(';')[0] ?? '';
const me = (s: RunningServer, cookie: string) => fetch(`${local(s)}/api/auth/me`, { headers: { cookie } });
const count = async (s: RunningServer, table: 'sessions' | 'login_lockouts' | 'api_keys') =>
  Number((await s.ctx.store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe.each(DIALECTS)('sign-in hardening (%s)', (dialect) => {
  const dir = mkdtempSync(join(tmpdir(), 'ehrb-login-'));
  const dbs: Db[] = [];
  const newDb = async () => {
    const d = await database(dialect, dir);
    dbs.push(d);
    return d.url;
  };
  afterAll(async () => {
    for (const d of dbs) await d.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('limits sign-in attempts per client address: 429 with Retry-After, and the password is not even checked', async () => {
    const s = await engine(await newDb());
    for (let i = 0; i < LOGIN_LIMITS.perAddress.max; i++) {
      // Different accounts, so only the address limit applies.
      expect((await login(s, `user-${i}`, 'wrong password')).status).toBe(401);
    }
    const refused = await login(s, 'admin', PASSWORD);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: string }).error).toMatch(/too many sign-in attempts/);
    expect(refused.headers.get('set-cookie')).toBeNull();
    expect(await count(s, 'sessions')).toBe(0);
  });

  it('limits sign-in attempts per account name across addresses (behind a trusted proxy)', async () => {
    const s = await engine(await newDb(), { trustProxy: true });
    for (let i = 0; i < LOGIN_LIMITS.perAccount.max; i++) {
      expect((await login(s, i % 2 ? 'Nobody' : ' nobody', 'wrong password', { 'x-forwarded-for': `203.0.113.${i + 1}` })).status).toBe(401);
    }
    const refused = await login(s, 'nobody', 'wrong password', { 'x-forwarded-for': '198.51.100.7' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).not.toBeNull();
    // Another account from yet another address is not affected.
    expect((await login(s, 'admin', PASSWORD, { 'x-forwarded-for': '198.51.100.8' })).status).toBe(200);
  });

  it(`locks the account after ${LOCKOUT_AFTER_FAILURES} failures, in the database: the lock holds across a restart, even for the right password`, async () => {
    const url = await newDb();
    let s = await engine(url);
    for (let i = 0; i < LOCKOUT_AFTER_FAILURES; i++) expect((await login(s, 'admin', `wrong ${i}`)).status).toBe(401);
    await stop(s);
    s = await engine(url); // a new process: the in-memory rate limits are gone, the lock is not
    const refused = await login(s, 'admin', PASSWORD);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
    expect(((await refused.json()) as { error: string }).error).toMatch(/locked/);
    expect(refused.headers.get('set-cookie')).toBeNull();
    expect(await count(s, 'sessions')).toBe(0);
    // Once the lock has run out, the right password works and clears the count.
    await s.ctx.store.db.updateTable('login_lockouts').set({ locked_until: new Date(Date.now() - 1000).toISOString() }).execute();
    expect((await login(s, 'admin', PASSWORD)).status).toBe(200);
    expect(await count(s, 'login_lockouts')).toBe(0);
  });

  it('counts concurrent failures from several processes exactly (atomic upsert)', async () => {
    const url = await newDb();
    const s = await engine(url);
    const other = openStore(url, { poolSize: 4 });
    try {
      const locks = await Promise.all(
        Array.from({ length: LOCKOUT_AFTER_FAILURES }, (_, i) => recordLoginFailure(i % 2 ? other.db : s.ctx.store.db, 'admin')),
      );
      expect(locks.filter(Boolean)).toHaveLength(1);
      expect((await login(s, 'admin', PASSWORD)).status).toBe(429);
    } finally {
      await other.close();
    }
  });

  it('ends every session when the admin password changes (at start, or from another process), and keeps them otherwise', async () => {
    const url = await newDb();
    let s = await engine(url);
    const cookie = cookieOf(await login(s, 'admin', PASSWORD));
    expect((await me(s, cookie)).status).toBe(200);
    await stop(s);
    s = await engine(url); // same password: the session survives a restart
    expect((await me(s, cookie)).status).toBe(200);
    await stop(s);
    s = await engine(url, { admin: { password: 'a brand new password' } });
    expect((await me(s, cookie)).status).toBe(401);
    expect(await count(s, 'sessions')).toBe(0);
    const fresh = cookieOf(await login(s, 'admin', 'a brand new password'));
    expect((await me(s, fresh)).status).toBe(200);
    // Another process changes it: this process sees the stamp differ at once.
    const other = openStore(url);
    try {
      await setAdminPassword(other.db, 'changed elsewhere 123');
    } finally {
      await other.close();
    }
    expect((await me(s, fresh)).status).toBe(401);
  });

  it('deletes expired sessions at start and at sign-in', async () => {
    const url = await newDb();
    let s = await engine(url);
    const stale = cookieOf(await login(s, 'admin', PASSWORD));
    const db = s.ctx.store.db;
    await db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('token_hash', '=', sha256Hex(stale.split('=')[1]!)).execute();
    expect((await me(s, stale)).status).toBe(401);
    expect(await count(s, 'sessions')).toBe(1);
    await login(s, 'admin', PASSWORD); // sign-in purges
    expect(await count(s, 'sessions')).toBe(1);
    await s.ctx.store.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).execute();
    await stop(s);
    s = await engine(url); // start purges
    expect(await count(s, 'sessions')).toBe(0);
  });
});

describe('session cookie and CSRF', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ehrb-cookie-'));
  const db = (name: string) => join(dir, `${name}.sqlite`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sets Secure behind a trusted TLS proxy, when forced, or with an https public URL; not from an untrusted X-Forwarded-Proto', async () => {
    const secure = async (extra: Record<string, unknown>, headers: Record<string, string> = {}) => {
      const s = await engine(db(`c${Math.random().toString(36).slice(2)}`), extra);
      const r = await login(s, 'admin', PASSWORD, headers);
      expect(r.status).toBe(200);
      await stop(s);
      return /;\s*Secure/i.test(r.headers.get('set-cookie') ?? '');
    };
    expect(await secure({})).toBe(false);
    expect(await secure({}, { 'x-forwarded-proto': 'https' })).toBe(false);
    expect(await secure({ trustProxy: ['127.0.0.1'] }, { 'x-forwarded-proto': 'https' })).toBe(true);
    expect(await secure({ secureCookies: true })).toBe(true);
    expect(await secure({ publicUrl: 'https://bridge.example.org' })).toBe(true);
    expect(await secure({ publicUrl: 'https://bridge.example.org', secureCookies: false })).toBe(false);
  });

  it('reads EHR_BRIDGE_TRUST_PROXY and EHR_BRIDGE_SECURE_COOKIES', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ EHR_BRIDGE_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ EHR_BRIDGE_TRUST_PROXY: '10.0.0.1, 10.0.0.0/8' }).trustProxy).toEqual(['10.0.0.1', '10.0.0.0/8']);
    expect(() => loadConfig({ EHR_BRIDGE_TRUST_PROXY: '2' })).toThrow(ConfigError);
    expect(loadConfig({}).secureCookies).toBe('auto');
    expect(loadConfig({ EHR_BRIDGE_SECURE_COOKIES: 'true' }).secureCookies).toBe(true);
    expect(loadConfig({ EHR_BRIDGE_SECURE_COOKIES: 'false' }).secureCookies).toBe(false);
  });

  it('accepts a signed-in write from its own origin (Origin, Referer or the public URL) and refuses a cross-site form post', async () => {
    const s = await engine(db('csrf'), { publicUrl: 'https://bridge.example.org' });
    const cookie = cookieOf(await login(s, 'admin', PASSWORD));
    const post = (headers: Record<string, string>, body = JSON.stringify({ name: 'k' })) =>
      fetch(`${local(s)}/api/api-keys`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body });
    expect((await post({ origin: local(s) })).status).toBe(201);
    expect((await post({ referer: `${local(s)}/settings` })).status).toBe(201);
    expect((await post({ origin: 'https://bridge.example.org' })).status).toBe(201);
    expect(await count(s, 'api_keys')).toBe(3);
    // What a malicious page's <form method=post> sends: a foreign Origin and a form body.
    expect((await post({ origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, 'name=evil')).status).toBe(403);
    expect((await post({ origin: 'null' })).status).toBe(403);
    // Even from its own origin, the API takes no form bodies.
    expect((await post({ origin: local(s), 'content-type': 'application/x-www-form-urlencoded' }, 'name=evil')).status).toBe(415);
    expect((await post({ origin: local(s), 'content-type': 'multipart/form-data; boundary=x' }, '--x--')).status).toBe(415);
    expect(await count(s, 'api_keys')).toBe(3);
    // Reads need no Origin; an API key needs none either.
    expect((await fetch(`${local(s)}/api/api-keys`, { headers: { cookie } })).status).toBe(200);
  });
});

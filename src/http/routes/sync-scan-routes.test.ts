import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, DIALECTS } from '../../../test/helpers/stores.js';
import { until } from '../../../test/helpers/until.js';
import { startServer, type RunningServer } from '../../server/start.js';

/**
 * POST /api/sync/scans and GET /api/sync/scans against the engine with its embedded OnCall
 * sandbox, on SQLite and PostgreSQL: 202 with the run, 409 while one runs, 400 on a bad type
 * (nothing started), the run followed to done; no credentials, 401.
 */
describe.each(DIALECTS)('sync scan API (%s)', (dialect) => {
  const password = 'correct horse battery';
  let dir: string;
  let drop: (() => Promise<void>) | undefined;
  let server: RunningServer;
  let cookie: string;

  const call = async (path: string, init: RequestInit = {}, auth = true) => {
    const res = await fetch(`${server.url}${path}`, { ...init, headers: { ...(auth ? { cookie, origin: server.url } : {}), 'content-type': 'application/json', ...(init.headers ?? {}) } });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
  };
  const post = (path: string, body: unknown, auth = true) => call(path, { method: 'POST', body: JSON.stringify(body) }, auth);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ehrb-scan-api-'));
    let databaseUrl = join(dir, 'db.sqlite');
    if (dialect === 'postgres') ({ url: databaseUrl, drop } = await createPgDatabase());
    // Sync off: the stored scan messages stay as stored (no processor moves them on).
    server = await startServer({ port: 0, host: '127.0.0.1', databaseUrl, logLevel: 'silent', admin: { password }, ehr: { sandboxMllpPort: 0 } }, { ...process.env, EHR_BRIDGE_SYNC: 'off', EHR_BRIDGE_ONCALL_SCAN_EVERY: 'off' });
    const res = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password }) });
    cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const seeded = await post('/sandbox/oncall/_admin/seed/', { contacts: 2000 });
    expect(seeded.status).toBe(200);
  });
  afterAll(async () => {
    await server?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a bad type with 400 and starts nothing; no credentials is 401', async () => {
    const bad = await post('/api/sync/scans', { type: 'patients' });
    expect(bad.status).toBe(400);
    expect(bad.body.fieldErrors).toHaveProperty('type');
    expect((await post('/api/sync/scans', {})).status).toBe(400);
    expect((await post('/api/sync/scans', { type: 'contacts' }, false)).status).toBe(401);
    expect((await call('/api/sync/scans', {}, false)).status).toBe(401);
    expect((await call('/api/sync/scans')).body).toEqual({ runs: [] });
  });

  it('starts a scan (202 with its run), answers 409 while it runs, and lists it done', async () => {
    // A slow OnCall keeps the first scan running while the second request arrives.
    expect((await post('/sandbox/oncall/_admin/faults/', { latencyMs: 40 })).status).toBe(200);
    const started = await post('/api/sync/scans', { type: 'contacts' });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ run: { kind: 'contacts', status: 'running', nextPage: 1, trigger: 'manual' }, resumedAt: null });
    const busy = await post('/api/sync/scans', { type: 'contacts' });
    expect(busy.status).toBe(409);
    expect(busy.body.error).toMatch(/a scan of OnCall contacts is running already/);
    await post('/sandbox/oncall/_admin/faults/', { latencyMs: 0 });

    const done = await until(async () => {
      const r = await call('/api/sync/scans?type=contacts');
      return r.body.runs[0]?.status === 'done' ? r.body.runs[0] : undefined;
    }, 30_000);
    expect(done).toMatchObject({ id: started.body.run.id, seen: 2000, changed: 2000, requests: 20, nextPage: 21, error: null });
    const stored = await server.ctx.store.db.selectFrom('messages').select((eb) => eb.fn.countAll<string | number>().as('n')).where('channel', '=', 'oncall-scan').executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(2000);

    const appts = await post('/api/sync/scans', { type: 'appointments' });
    expect(appts.status).toBe(202);
    const all = await until(async () => {
      const r = await call('/api/sync/scans');
      return r.body.runs.length === 2 && r.body.runs.every((x: any) => x.status === 'done') ? r.body.runs : undefined;
    }, 10_000);
    expect(all.map((r: any) => r.kind)).toEqual(['appointments', 'contacts']);
  });
});

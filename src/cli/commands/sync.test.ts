import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../../../test/helpers/processes.js';
import { until } from '../../../test/helpers/until.js';
import { openStore } from '../../store/db.js';
import { DEFAULT_ONCALL_SANDBOX_API_KEY } from '../../sandboxes/oncall/plugin.js';
import { AUTH, startSandbox, type RunningSandbox } from '../../sandboxes/oncall/test-harness.js';

/** `ehr-bridge sync scan` against a real OnCall sandbox server and a temp SQLite database. */
describe('sync scan command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ehrb-sync-scan-'));
  let sandbox: RunningSandbox;
  let env: Record<string, string>;

  beforeAll(async () => {
    sandbox = await startSandbox();
    await sandbox.admin('POST', 'seed/', { contacts: 1204 });
    env = { EHR_BRIDGE_DATABASE_URL: join(dir, 'db.sqlite'), ONCALL_BASE_URL: sandbox.base, ONCALL_API_KEY: DEFAULT_ONCALL_SANDBOX_API_KEY, ONCALL_MAX_RETRIES: '0' };
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the summary of each scan, then --json; a changed contact is the only one stored again', async () => {
    const first = spawnCli(['sync', 'scan'], env);
    expect(await first.exited()).toBe(0);
    expect(first.stdout()).toBe('Scanned 1,204 contacts in 13 pages: 1,204 new or changed, stored for sync.\nScanned 0 appointments in 1 page: nothing new or changed.\n');

    expect((await sandbox.call('PATCH', '/contacts/3/', { phone: '+15145550123' }, AUTH)).status).toBe(200);
    const second = spawnCli(['sync', 'scan', '--type', 'contacts', '--json'], env);
    expect(await second.exited()).toBe(0);
    const out = JSON.parse(second.stdout());
    expect(out).toMatchObject({ type: 'contacts', status: 'done', seen: 1204, changed: 1, stored: 1, pages: 13, requests: 13, resumedAt: null, error: null });
  });

  it('an OnCall outage: exit 1 with the reason and where the next scan resumes', async () => {
    await sandbox.admin('POST', 'faults/', { errorRate: 1 });
    try {
      const r = spawnCli(['sync', 'scan', '--type', 'contacts'], env);
      expect(await r.exited()).toBe(1);
      expect(r.stdout()).toMatch(/^Scan of contacts interrupted at page 1 after 0 contacts \(nothing new or changed\): OnCall Health is unavailable \(HTTP 503\).*The next scan resumes at that page\.\n$/);
    } finally {
      await sandbox.admin('POST', 'faults/', { errorRate: 0 });
    }
    const again = spawnCli(['sync', 'scan', '--type', 'contacts', '--json'], env);
    expect(await again.exited()).toBe(0);
    expect(JSON.parse(again.stdout())).toMatchObject({ status: 'done', resumedAt: 1, changed: 0 });
  });

  it('kill -9 in the middle of a scan: the next run resumes at the page reached, and ends with one message and one mark per contact', async () => {
    const killEnv = { ...env, EHR_BRIDGE_DATABASE_URL: join(dir, 'kill.sqlite') };
    await sandbox.admin('POST', 'faults/', { latencyMs: 150 });
    const store = openStore(killEnv.EHR_BRIDGE_DATABASE_URL);
    try {
      const victim = spawnCli(['sync', 'scan', '--type', 'contacts'], killEnv);
      await until(async () => {
        const run = await store.db.selectFrom('scan_runs').select(['next_page', 'status']).executeTakeFirst().catch(() => undefined);
        return run && run.next_page >= 4;
      }, 60_000);
      victim.kill('SIGKILL');
      await victim.exited();
      await sandbox.admin('POST', 'faults/', { latencyMs: 0 });
      const left = await store.db.selectFrom('scan_runs').selectAll().executeTakeFirstOrThrow();
      expect(left.status).toBe('running');

      const next = spawnCli(['sync', 'scan', '--type', 'contacts'], killEnv);
      expect(await next.exited()).toBe(0);
      expect(next.stdout()).toMatch(new RegExp(`^Scanned 1,204 contacts in 13 pages \\(resumed at page ${left.next_page}\\): 1,204 new or changed, stored for sync\\.\n$`));
      const count = async (table: 'messages' | 'scan_marks') => Number((await store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      expect(await count('messages')).toBe(1204);
      expect(await count('scan_marks')).toBe(1204);
    } finally {
      await sandbox.admin('POST', 'faults/', { latencyMs: 0 });
      await store.close();
    }
  });

  it('refuses a wrong --type with a clear error, exit 1, and touches nothing', async () => {
    const r = spawnCli(['sync', 'scan', '--type', 'patients'], env);
    expect(await r.exited()).toBe(1);
    expect(r.stderr()).toContain('ehr-bridge sync scan: unknown --type "patients" (contacts or appointments)');
    expect(r.stdout()).toBe('');
    const j = spawnCli(['sync', 'scan', '--type', 'patients', '--json'], env);
    expect(await j.exited()).toBe(1);
    expect(JSON.parse(j.stdout())).toEqual({ error: 'unknown --type "patients" (contacts or appointments)', exitCode: 1 });
  });

  it('says when OnCall is not configured', async () => {
    const r = spawnCli(['sync', 'scan'], { EHR_BRIDGE_DATABASE_URL: join(dir, 'other.sqlite'), ONCALL_BASE_URL: '', ONCALL_REGION: '' });
    expect(await r.exited()).toBe(1);
    expect(r.stderr()).toContain('OnCall Health is not configured');
  });
});

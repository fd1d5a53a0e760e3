import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contactTemplate, fakePeople, PEOPLE_HEADER } from '../helpers/import-harness.js';
import { REPO_ROOT, spawnCli, type Spawned } from '../helpers/processes.js';

const FIXTURE = `${REPO_ROOT}test/fixtures/synthea-patients.csv`;
const SYNTHEA_ROWS = 543;
const SERVER_ROWS = 3000;
/** More CLI imports at the same time: what used to surface the lock errors within a minute. */
const EXTRA_CLIS = 3;
const EXTRA_ROWS = 1200;
const LOCKED = /database is locked|SQLITE_BUSY/i;

/**
 * Issue 6, item 20: the README's own example runs the CLI against a running `npm start`, on
 * the same SQLite file. Here both write at the same time: the server runs an import of its
 * own (API) while CLI imports (the Synthea export, and more files) go into the server's OnCall
 * sandbox. None may print "database is locked" (before the fix: SQLITE_BUSY_SNAPSHOT when a
 * deferred transaction that had read went on to write after another process wrote), and all
 * finish with every row created.
 */
describe('the CLI and the server on one SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ehrb-pair-'));
  const procs: Spawned[] = [];
  afterAll(async () => {
    for (const p of procs) {
      if (p.child.exitCode === null) {
        p.kill('SIGTERM');
        await p.exited();
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports from the server and from CLIs at once, with no lock error in any output', async () => {
    const env = {
      EHR_BRIDGE_DATABASE_URL: join(dir, 'db.sqlite'),
      EHR_BRIDGE_SANDBOXES: 'true',
      EHR_BRIDGE_EHR_MLLP_PORT: '0',
      EHR_BRIDGE_MLLP_PORT: '0',
      EHR_BRIDGE_ADMIN_PASSWORD: 'correct horse battery',
      ONCALL_REQUESTS_PER_SECOND: '0',
      LOG_LEVEL: 'warn',
    };
    const keyProc = spawnCli(['api-keys', 'create', '--name', 'pair-test'], env);
    await keyProc.exited();
    const key = keyProc.output().match(/key: (\S+)/)![1]!;

    const server = spawnCli(['serve'], { ...env, PORT: '0', HOST: '127.0.0.1' });
    procs.push(server);
    const url = (await server.waitFor(/web UI\s+(http:\/\/\S+?)\/\s/, 60_000))[1]!;
    const sandboxKey = (await server.waitFor(/OnCall Health, API key: (\S+?)\)/))[1]!;
    const call = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
      const body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
      if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
      return body as Record<string, any>;
    };

    // The server's own import, started first and running while the CLI works.
    const run = await call('/api/imports', {
      method: 'POST',
      body: JSON.stringify({ target: 'oncall', recordType: 'contacts', fileName: 'people.csv', mapping: contactTemplate(), defaults: { division: '1', provider: '1' } }),
    });
    const csv = [PEOPLE_HEADER.join(','), ...fakePeople(SERVER_ROWS, 100_000).map((r) => r.join(','))].join('\n');
    await call(`/api/imports/${run.id}/file`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: csv });
    await call(`/api/imports/${run.id}/start`, { method: 'POST', body: '{}' });

    const cli = spawnCli(['import', FIXTURE, '--type', 'contacts', '--division', '1', '--provider', '1', '--no-progress'], {
      ...env,
      ONCALL_BASE_URL: `${url}/sandbox/oncall`,
      ONCALL_API_KEY: sandboxKey,
    });
    procs.push(cli);
    writeFileSync(join(dir, 'mapping.json'), JSON.stringify(contactTemplate()));
    const extra = Array.from({ length: EXTRA_CLIS }, (_, k) => {
      const file = join(dir, `extra-${k}.csv`);
      writeFileSync(file, [PEOPLE_HEADER.join(','), ...fakePeople(EXTRA_ROWS, 200_000 * (k + 1)).map((r) => r.join(','))].join('\n'));
      const p = spawnCli(['import', file, '--type', 'contacts', '--division', '1', '--provider', '1', '--no-progress', '--mapping', join(dir, 'mapping.json')], {
        ...env,
        ONCALL_BASE_URL: `${url}/sandbox/oncall`,
        ONCALL_API_KEY: sandboxKey,
      });
      procs.push(p);
      return p;
    });
    let s: Record<string, any> = {};
    const end = Date.now() + 240_000;
    while (Date.now() < end) {
      s = await call(`/api/imports/${run.id}`);
      if (s.status === 'completed' && cli.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const p of extra) {
      expect(await p.exited()).toBe(0);
      expect(p.output()).toContain(`${EXTRA_ROWS.toLocaleString('en-US')} created, 0 updated, 0 already up to date, 0 left out`);
      expect(p.output()).not.toMatch(LOCKED);
    }
    expect(await cli.exited()).toBe(0);
    expect(cli.output()).toContain(`${SYNTHEA_ROWS.toLocaleString('en-US')} created, 0 updated, 0 already up to date, 0 left out`);
    expect(s.status).toBe('completed');
    expect(s.counts).toMatchObject({ created: SERVER_ROWS, failed: 0 });
    expect(cli.output()).not.toMatch(LOCKED);
    expect(server.output()).not.toMatch(LOCKED);
    expect(server.child.exitCode).toBeNull();
  }, 300_000);
});

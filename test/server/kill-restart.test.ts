import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contactTemplate, fakePeople, PEOPLE_HEADER } from '../helpers/import-harness.js';
import { spawnCli, startSandboxProcess, type Spawned } from '../helpers/processes.js';

const ROWS = 2000;

/**
 * The promise of the queue and the intent records: kill -9 the server in the middle of an
 * import, start it again, and the import finishes by itself with each row in OnCall once.
 */
describe('kill -9 during an import, then restart', () => {
  const procs: Spawned[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'ehrb-kill-'));
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes on its own and ends with exactly one contact per valid row', async () => {
    const sandbox = await startSandboxProcess();
    procs.push(sandbox.proc);
    const oncall = `${sandbox.base}/oncall`;
    await fetch(`${oncall}/_admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: 15 }) });
    const env = {
      EHR_BRIDGE_DATABASE_URL: join(dir, 'db.sqlite'),
      ONCALL_BASE_URL: oncall,
      ONCALL_API_KEY: 'oncall-sandbox-key',
      ONCALL_REQUESTS_PER_SECOND: '0',
      EHR_BRIDGE_SANDBOXES: 'false',
      EHR_BRIDGE_EHR_MLLP_PORT: '0',
      EHR_BRIDGE_MLLP_PORT: '0',
      PORT: '0',
    };
    const keyProc = spawnCli(['api-keys', 'create', '--name', 'kill-test'], env);
    await keyProc.exited();
    const key = keyProc.output().match(/key: (\S+)/)![1]!;

    const startServer = async () => {
      const p = spawnCli(['serve'], env);
      procs.push(p);
      const url = (await p.waitFor(/web UI\s+(http:\/\/\S+?)\/\s/))[1]!;
      return { p, url };
    };
    const api = (url: string) => async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers ?? {}) } });
      const body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
      if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
      return body as Record<string, any>;
    };

    const first = await startServer();
    let call = api(first.url);
    const run = await call('/api/imports', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ target: 'oncall', recordType: 'contacts', fileName: 'people.csv', mapping: contactTemplate(), defaults: { division: '1', provider: '1' } }),
    });
    const csv = [PEOPLE_HEADER.join(','), ...fakePeople(ROWS).map((r) => r.join(','))].join('\n');
    const staged = await call(`/api/imports/${run.id}/file`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: csv });
    expect(staged).toMatchObject({ status: 'ready', totalRows: ROWS, invalidRows: 0 });
    await call(`/api/imports/${run.id}/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });

    let s: Record<string, any>;
    do {
      await new Promise((r) => setTimeout(r, 100));
      s = await call(`/api/imports/${run.id}`);
    } while (s.done < 300);
    first.p.kill('SIGKILL');
    await first.p.exited();
    expect(s.status).toBe('running');
    expect(s.remaining).toBeGreaterThan(0);

    const second = await startServer();
    call = api(second.url);
    const end = Date.now() + 90_000;
    do {
      await new Promise((r) => setTimeout(r, 250));
      s = await call(`/api/imports/${run.id}`);
    } while (s.status !== 'completed' && Date.now() < end);
    expect(s.status).toBe('completed');
    expect(s.counts).toMatchObject({ created: ROWS, failed: 0, pending: 0, inFlight: 0 });

    const stats = (await (await fetch(`${oncall}/_admin/stats`)).json()) as { contacts: number };
    expect(stats.contacts).toBe(ROWS);
    const ids = new Set<string>();
    let next: string | null = `${oncall}/contacts/?page_size=100`;
    while (next) {
      const page = (await (await fetch(next, { headers: { authorization: 'Token oncall-sandbox-key' } })).json()) as { next: string | null; results: { custom_field_values: Record<string, string> }[] };
      for (const c of page.results) ids.add(c.custom_field_values['1']!);
      next = page.next;
    }
    expect(ids.size).toBe(ROWS);
    second.p.kill('SIGTERM');
    await second.p.exited();
  });
});

import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawnCli, type Spawned } from '../../test/helpers/processes.js';
import { getEhrSandboxInfo } from './ehr/plugin.js';
import { DEFAULT_ONCALL_SANDBOX_API_KEY } from './oncall/plugin.js';
import { buildStandaloneSandboxes, type StandaloneSandboxes } from './standalone.js';

/**
 * `ehr-bridge sandbox` has no engine login: on loopback its /_admin routes are open; on a
 * reachable host they need SANDBOX_ADMIN_TOKEN (generated and printed when unset), and a
 * request without it reads and changes nothing.
 */
let running: StandaloneSandboxes | undefined;
const procs: Spawned[] = [];
afterEach(async () => {
  await running?.app.close();
  running = undefined;
});
afterAll(async () => {
  for (const p of procs) {
    if (p.child.exitCode === null) {
      p.kill('SIGTERM');
      await p.exited();
    }
  }
});

async function start(host: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  running = await buildStandaloneSandboxes({ host, mllpPort: 0, env });
  await running.app.listen({ port: 0, host });
  // Reached over loopback even when bound to every interface: the test never leaves the machine.
  return `http://127.0.0.1:${(running.app.server.address() as AddressInfo).port}`;
}

describe('ehr-bridge sandbox (standalone)', () => {
  it('on loopback: no token, /_admin open, the demo OnCall key', async () => {
    const base = await start('127.0.0.1');
    expect(running!.adminToken).toBeUndefined();
    expect((await fetch(`${base}/ehr/_admin/received`)).status).toBe(200);
    expect((await fetch(`${base}/oncall/divisions/`, { headers: { authorization: `Token ${DEFAULT_ONCALL_SANDBOX_API_KEY}` } })).status).toBe(200);
  });

  it('on a reachable host: /_admin needs the token; without it nothing is read or changed', async () => {
    const base = await start('0.0.0.0', { SANDBOX_ADMIN_TOKEN: 'team-token-123' });
    expect(running!).toMatchObject({ adminToken: 'team-token-123', adminTokenGenerated: false });
    const store = getEhrSandboxInfo(running!.app).store;
    store.add({ transport: 'mllp', controlId: 'C1', messageType: 'ORU^R01', ack: 'AA', accepted: true, errors: [], raw: 'PID|||1||Secretname', rawElided: 'PID|||1||Secretname' });

    for (const [method, path, headers] of [
      ['GET', '/ehr/_admin/received', {}],
      ['GET', '/ehr/%5Fadmin/received', {}],
      ['GET', '/ehr/_admin/received', { authorization: 'Bearer wrong' }],
      ['GET', '/ehr/_admin/received', { 'x-sandbox-admin-token': 'team-token-12' }],
      ['POST', '/ehr/_admin/reset', {}],
      ['POST', '/oncall/_admin/reset/', {}],
      ['GET', '/oncall/_admin/stats/', {}],
      ['POST', '/fhir-emr/_admin/reset', {}],
    ] as const) {
      const res = await fetch(`${base}${path}`, { method, headers });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(await res.text()).not.toContain('Secretname');
    }
    const planted = await fetch(`${base}/fhir-emr/Patient`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Planted' }] }) });
    expect(planted.status).toBe(401);
    expect(store.list()).toHaveLength(1);

    const ok = await fetch(`${base}/ehr/_admin/received`, { headers: { authorization: 'Bearer team-token-123' } });
    expect(ok.status).toBe(200);
    expect((await fetch(`${base}/ehr/_admin/received`, { headers: { 'x-sandbox-admin-token': 'team-token-123' } })).status).toBe(200);
    // The partners' own APIs stay open (OnCall checks its own key: not the published one here).
    expect((await fetch(`${base}/fhir-emr/metadata`)).status).toBe(200);
    expect((await fetch(`${base}/oncall/divisions/`, { headers: { authorization: `Token ${DEFAULT_ONCALL_SANDBOX_API_KEY}` } })).status).toBe(401);
    expect((await fetch(`${base}/oncall/divisions/`, { headers: { authorization: `Token ${running!.oncallApiKey}` } })).status).toBe(200);
  });

  it('the CLI generates and prints a token when SANDBOX_ADMIN_TOKEN is unset', async () => {
    const p = spawnCli(['sandbox', '--host', '0.0.0.0', '--port', '0', '--ehr-mllp-port', '0'], { SANDBOX_ADMIN_TOKEN: '', SANDBOX_ONCALL_API_KEY: '' });
    procs.push(p);
    const token = (await p.waitFor(/admin token\s+(\S+)\s+\(generated/))[1]!;
    const port = (await p.waitFor(/OnCall Health\s+http:\/\/0\.0\.0\.0:(\d+)\/oncall\//))[1]!;
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/ehr/_admin/received`)).status).toBe(401);
    expect((await fetch(`${base}/ehr/_admin/received`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  }, 60_000);
});

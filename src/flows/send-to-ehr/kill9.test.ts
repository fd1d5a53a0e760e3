import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEhrBehindProxy, type EhrBehindProxy } from '../../../test/helpers/ehr-behind-proxy.js';
import { spawnCli, type Spawned } from '../../../test/helpers/processes.js';
import { getEhrSandboxInfo } from '../../sandboxes/ehr/index.js';
import { makePdf, parameters } from './test-helpers/engine-harness.js';

/**
 * kill -9 during a delivery (issue 3, "Exactly once"): the engine runs as a child process
 * (`node bin/ehr-bridge.js serve`, temp SQLite). The EHR receiver runs here, behind a proxy that
 * forwards the message but swallows the ACK, so the EHR has stored the document while the engine
 * still waits: the worst moment to die. SIGKILL, restart: the open attempt is found, the message
 * is sent again with the same MSH-10, the EHR de-duplicates it, the tracking reaches completed,
 * and the EHR holds exactly one document.
 */
describe('kill -9 during delivery', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ehrb-kill9-'));
  let ehr: EhrBehindProxy;
  let swallowAcks = true;
  let engine: Spawned | undefined;

  beforeAll(async () => {
    ehr = await startEhrBehindProxy((client, ack) => {
      if (!swallowAcks) client.write(ack);
    });
  });

  afterAll(async () => {
    engine?.kill('SIGKILL');
    await ehr.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({
    EHR_BRIDGE_DATABASE_URL: join(dir, 'engine.sqlite'),
    EHR_BRIDGE_ADMIN_PASSWORD: 'correct horse battery',
    HOST: '127.0.0.1',
    // An addressed route turns the sandboxes off by default; the sandbox FHIR EMR is this test's EMR.
    EHR_BRIDGE_SANDBOXES: 'true',
    EHR_BRIDGE_EHR_MLLP_PORT: '0',
    EHR_BRIDGE_EHR_ROUTES: JSON.stringify({ default: { transport: { kind: 'mllp', host: '127.0.0.1', port: ehr.port, ackTimeoutMs: 120_000 } } }),
  });
  const startEngineProcess = async () => {
    const proc = spawnCli(['serve', '--port', '0', '--ehr-mllp-port', '0'], env());
    const m = await proc.waitFor(/FHIR API\s+(http:\/\/127\.0\.0\.1:\d+)\/fhir/, 60_000);
    expect(proc.output()).toMatch(/EHR receiver; MLLP port \d+/);
    return { proc, url: m[1]! };
  };

  it('delivers once and tracks to completed after SIGKILL mid-delivery and a restart', async () => {
    const create = spawnCli(['clients', 'create', '--name', 'kill9-app', '--scope', 'SEND_TO_EHR PATIENT_GAM_SEARCH'], env());
    expect(await create.exited()).toBe(0);
    const id = /client_id:\s+(\S+)/.exec(create.output())![1]!;
    const secret = /client_secret:\s+(\S+)/.exec(create.output())![1]!;

    let { proc, url } = await startEngineProcess();
    engine = proc;
    const tokenRes = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: id, client_secret: secret }),
    });
    expect(tokenRes.status).toBe(200);
    const token = ((await tokenRes.json()) as { access_token: string }).access_token;
    const auth = { authorization: `Bearer ${token}` };
    const enc = (await (await fetch(`${url}/fhir/Encounter?status=finished&_count=1`, { headers: auth })).json()) as { entry: { resource: { id: string; subject: { reference: string } } }[] };
    const encounter = enc.entry[0]!.resource;
    const pdf = await makePdf('kill -9', 3);
    const sent = await fetch(`${url}/fhir/CommunicationRequest/$send-to-ehr`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Parameters', parameter: parameters({ patientId: encounter.subject.reference.split('/')[1]!, encounterId: encounter.id, payload: pdf }) }),
    });
    expect(sent.status).toBe(200);
    const transactionId = ((await sent.json()) as { parameter: { name: string; valueString: string }[] }).parameter.find((p) => p.name === 'transaction-id')!.valueString;
    const store = getEhrSandboxInfo(ehr.receiver).store;
    const end = Date.now() + 30_000;
    while (!store.list().some((i) => i.accepted) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(store.list().filter((i) => i.accepted)).toHaveLength(1);

    // The EHR has it; the engine is still waiting for the ACK. Now die without a goodbye.
    proc.kill('SIGKILL');
    await proc.exited();
    swallowAcks = false;
    ehr.dropConnections();

    ({ proc, url } = await startEngineProcess());
    engine = proc;
    let status = '';
    let bundle: { entry: { resource: { status: string; sent?: string } }[] } | undefined;
    // The new process has a new port: the same transaction is tracked there.
    const trackingUrl = `${url}/fhir/CommunicationRequest/$tracking?transaction-id=${transactionId}`;
    const until = Date.now() + 30_000;
    while (status !== 'completed' && Date.now() < until) {
      bundle = (await (await fetch(trackingUrl, { headers: auth })).json()) as typeof bundle;
      status = bundle!.entry[0]!.resource.status;
      if (status !== 'completed') await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe('completed');
    expect(bundle!.entry).toHaveLength(1);
    const accepted = store.list().filter((i) => i.accepted);
    expect(accepted).toHaveLength(1);
    expect(store.duplicates).toBe(1);
    expect(store.list().every((i) => i.controlId === accepted[0]!.controlId)).toBe(true);
    expect(store.document(accepted[0]!.id)!.equals(pdf)).toBe(true);
    expect(await deliveryAttempts(url, transactionId)).toEqual(['interrupted', 'delivered']);
  });
});

/** Outcomes of the delivery's attempts, through the documents API (admin login). */
async function deliveryAttempts(url: string, transactionId: string): Promise<string[]> {
  const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password: 'correct horse battery' }) });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const d = (await (await fetch(`${url}/api/documents/${transactionId}`, { headers: { cookie } })).json()) as { deliveries: { attemptLog: { outcome: string }[] }[] };
  return d.deliveries[0]!.attemptLog.map((a) => a.outcome);
}

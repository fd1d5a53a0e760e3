import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { makePdf, parameters } from '../../src/flows/send-to-ehr/test-helpers/engine-harness.js';
import { createOauthClient } from '../../src/http/oauth/clients.js';
import { openStore } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { spawnCli, type Spawned } from '../helpers/processes.js';

/**
 * Issue 6, item 3: another process holds the SQLite file (a backup, a CLI import) for longer
 * than the busy timeout while a document delivery runs. The delivery job's writes, and then
 * the queue's own bookkeeping of the failure, are refused with "database is locked". Before the
 * fix that refusal was an unhandled rejection and the server process died. Now: the server
 * keeps answering, logs the refusal without patient data, and the delivery completes once the
 * lock is gone (the job's lease expires and it runs again, resuming the open attempt).
 */
describe('a database locked by another process during a delivery', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ehrb-locked-'));
  const file = join(dir, 'db.sqlite');
  let server: Spawned | undefined;
  let locker: SQLite.Database | undefined;
  afterAll(async () => {
    if (locker?.inTransaction) locker.exec('ROLLBACK');
    locker?.close();
    if (server && server.child.exitCode === null) {
      server.kill('SIGTERM');
      await server.exited();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the server up and completes the delivery after the lock is released', async () => {
    const store = openStore(file);
    await migrateToLatest(store);
    const client = await createOauthClient(store.db, { name: 'lock-test', scopes: 'SEND_TO_EHR PATIENT_GAM_SEARCH' });
    await store.close();

    server = spawnCli(['serve'], {
      EHR_BRIDGE_DATABASE_URL: file,
      PORT: '0',
      HOST: '127.0.0.1',
      EHR_BRIDGE_SANDBOXES: 'true',
      EHR_BRIDGE_EHR_MLLP_PORT: '0',
      EHR_BRIDGE_MLLP_PORT: '0',
      EHR_BRIDGE_ADMIN_PASSWORD: 'correct horse battery',
      EHR_BRIDGE_SQLITE_BUSY_TIMEOUT_MS: '200',
      // A receiver that does not answer: the attempt ends (ACK timeout) while the file is locked.
      EHR_BRIDGE_EHR_ROUTES: JSON.stringify({ default: { transport: { kind: 'mllp', ackTimeoutMs: 1500 }, retryBaseDelayMs: 500 } }),
      LOG_LEVEL: 'warn',
    });
    const url = (await server.waitFor(/web UI\s+(http:\/\/\S+?)\/\s/, 60_000))[1]!;
    const tokenRes = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret, audience: 'https://api.lifen.fr' }),
    });
    const token = ((await tokenRes.json()) as { access_token: string }).access_token;
    const fhir = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(path.startsWith('http') ? path : `${url}/fhir${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json', ...(init.headers ?? {}) } });
      return { status: res.status, body: (await res.json()) as any };
    };
    const enc = await fhir('/Encounter?status=finished&_count=1');
    if (!enc.body.entry) throw new Error(`no encounter: ${enc.status} ${JSON.stringify(enc.body)}`);
    const encounter = enc.body.entry[0].resource;
    const patientId = String(encounter.subject.reference).split('/')[1]!;
    const patient = (await fhir(`/Patient/${patientId}`)).body;
    const setAck = (ack: string) =>
      fetch(`${url}/sandbox/ehr/_admin/mode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ack }) });
    expect((await setAck('none')).status).toBe(200);

    const sent = await fhir('/CommunicationRequest/$send-to-ehr', {
      method: 'POST',
      body: JSON.stringify({ resourceType: 'Parameters', parameter: parameters({ patientId, encounterId: encounter.id, payload: await makePdf('locked') }) }),
    });
    expect(sent.status).toBe(200);
    const trackingUrl = sent.body.parameter[0].valueString as string;

    // Wait until the attempt is recorded (the message is on its way), then lock the file.
    locker = new SQLite(file, { timeout: 10_000 });
    const attempts = () => (locker!.prepare('select count(*) as n from ehr_delivery_attempts').get() as { n: number }).n;
    const end = Date.now() + 20_000;
    while (attempts() === 0) {
      if (Date.now() > end) throw new Error('the delivery never started');
      await new Promise((r) => setTimeout(r, 20));
    }
    locker.exec('BEGIN EXCLUSIVE');
    const healthDuringLock: number[] = [];
    // The ACK timeout (1.5 s) and the writes after it fall inside; longer than twice the default
    // busy timeout (5 s), so the refusal happens even on a build that ignores the setting.
    const lockedUntil = Date.now() + 12_500;
    while (Date.now() < lockedUntil) {
      await new Promise((r) => setTimeout(r, 500));
      healthDuringLock.push((await fetch(`${url}/healthz`)).status);
    }
    locker.exec('COMMIT');
    locker.close();
    locker = undefined;

    expect(server.child.exitCode).toBeNull();
    expect(healthDuringLock.every((s) => s === 200)).toBe(true);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    // The refusal was met and logged: this is the path that used to end the process.
    expect(server.output()).toMatch(/database is locked|SQLITE_BUSY/);
    expect(server.output()).toMatch(/could not record the end of a job/);

    expect((await setAck('AA')).status).toBe(200);
    const deadline = Date.now() + 70_000; // the job's lease (30 s) expires, then it runs again
    let status = '';
    while (Date.now() < deadline) {
      const t = await fhir(trackingUrl);
      status = t.body.entry?.[t.body.entry.length - 1]?.resource?.status ?? '';
      if (status === 'completed') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe('completed');
    expect(server.child.exitCode).toBeNull();
    // Nothing about the patient in what the server printed.
    const out = server.output();
    expect(out).not.toContain(patient.name[0].family);
    expect(out).not.toContain(patient.birthDate);
  }, 150_000);
});

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePdf, parameters } from '../../src/flows/send-to-ehr/test-helpers/engine-harness.js';
import { getEhrSandboxInfo } from '../../src/sandboxes/ehr/index.js';
import { openStore } from '../../src/store/db.js';
import { startEhrBehindProxy, type EhrBehindProxy } from '../helpers/ehr-behind-proxy.js';
import { spawnCli, startSandboxProcess, type Spawned } from '../helpers/processes.js';
import { createPgDatabase } from '../helpers/stores.js';
import { until } from '../helpers/until.js';

const DOCUMENTS = 50;
const DEAD_AFTER_SECONDS = 5;
/** The hospital answers each message this late, so deliveries are in progress when the worker dies. */
const ACK_DELAY_MS = 1500;

/**
 * Documents to the EHR on PostgreSQL with two workers (issue 12): a burst of 50 deliveries, one
 * worker killed with SIGKILL while it waits for ACKs. The survivor takes over its delivery jobs
 * within the dead-after time, finds the open attempts, sends them again with the same MSH-10
 * (the EHR de-duplicates), and every document ends completed and accepted exactly once.
 */
describe('PostgreSQL, two workers, one killed with SIGKILL during a burst of deliveries', () => {
  const procs: Spawned[] = [];
  let ehr: EhrBehindProxy;

  beforeAll(async () => {
    // Forwards every message at once and every ACK late.
    ehr = await startEhrBehindProxy((client, ack) => setTimeout(() => client.writable && client.write(ack), ACK_DELAY_MS));
  });

  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.kill('SIGKILL');
    await ehr.close();
  });

  it('every document is delivered, completed and accepted once by the EHR', async () => {
    const sandbox = await startSandboxProcess();
    procs.push(sandbox.proc);
    const database = await createPgDatabase();
    const store = openStore(database.url, { poolSize: 2 });
    try {
      const env = {
        EHR_BRIDGE_DATABASE_URL: database.url,
        EHR_BRIDGE_ADMIN_PASSWORD: 'kill-test-password',
        EHR_BRIDGE_WORKER_DEAD_AFTER_SECONDS: String(DEAD_AFTER_SECONDS),
        EHR_BRIDGE_SANDBOXES: 'false',
        EHR_BRIDGE_EMR_FHIR_URL: `${sandbox.base}/fhir-emr`,
        EHR_BRIDGE_EHR_MLLP_PORT: '0',
        EHR_BRIDGE_MLLP_PORT: '0',
        EHR_BRIDGE_EHR_ROUTES: JSON.stringify({ default: { transport: { kind: 'mllp', host: '127.0.0.1', port: ehr.port, ackTimeoutMs: 60_000 } } }),
        HOST: '127.0.0.1',
        PORT: '0',
      };
      const create = spawnCli(['clients', 'create', '--name', 'kill-app', '--scope', 'SEND_TO_EHR PATIENT_GAM_SEARCH'], env);
      expect(await create.exited(), create.output()).toBe(0);
      const clientId = /client_id:\s+(\S+)/.exec(create.output())![1]!;
      const secret = /client_secret:\s+(\S+)/.exec(create.output())![1]!;

      const servers = await Promise.all(
        [0, 1].map(async () => {
          const p = spawnCli(['serve'], env);
          procs.push(p);
          const url = (await p.waitFor(/FHIR API\s+(http:\/\/\S+?)\/fhir/, 60_000))[1]!;
          return { p, url };
        }),
      );
      const [entry, victim] = [servers[0]!, servers[1]!];
      const survivor = servers[0]!;
      const tokenRes = await fetch(`${entry.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }),
      });
      expect(tokenRes.status).toBe(200);
      const auth = { authorization: `Bearer ${((await tokenRes.json()) as { access_token: string }).access_token}` };
      const enc = (await (await fetch(`${entry.url}/fhir/Encounter?status=finished&_count=1`, { headers: auth })).json()) as {
        entry: { resource: { id: string; subject: { reference: string } } }[];
      };
      const encounter = enc.entry[0]!.resource;

      const victimPid = victim.p.child.pid!;
      const victimPools = (await store.db.selectFrom('queue_workers').select('worker_id').where('pid', '=', victimPid).execute()).map((r) => r.worker_id);
      expect(victimPools).toHaveLength(1);

      const transactions: string[] = [];
      for (let i = 0; i < DOCUMENTS; i++) {
        const sent = await fetch(`${entry.url}/fhir/CommunicationRequest/$send-to-ehr`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/fhir+json' },
          body: JSON.stringify({
            resourceType: 'Parameters',
            parameter: parameters({ patientId: encounter.subject.reference.split('/')[1]!, encounterId: encounter.id, payload: await makePdf(`document ${i}`) }),
          }),
        });
        expect(sent.status).toBe(200);
        const body = (await sent.json()) as { parameter: { name: string; valueString: string }[] };
        transactions.push(body.parameter.find((p) => p.name === 'transaction-id')!.valueString);
      }

      // Kill the victim while it holds delivery jobs whose messages the EHR already has.
      await until(
        async () => (await sql`select 1 from graphile_worker.jobs where locked_by = any(${victimPools}::text[])`.execute(store.db)).rows.length > 0,
        60_000,
        'the victim to hold a delivery',
        20,
      );
      await new Promise((r) => setTimeout(r, ACK_DELAY_MS / 2));
      victim.p.kill('SIGKILL');
      const killedAt = Date.now();
      await victim.p.exited();
      const open = await store.db.selectFrom('ehr_deliveries').select('id').where('status', 'not in', ['completed', 'entered-in-error']).execute();
      console.log(`killed with ${open.length} of ${DOCUMENTS} deliveries not yet completed`);
      expect(open.length).toBeGreaterThan(0);

      await until(
        async () => !(await sql`select 1 from graphile_worker.jobs where locked_by = any(${victimPools}::text[])`.execute(store.db)).rows.length,
        (DEAD_AFTER_SECONDS + 20) * 1000,
        'the delivery jobs of the killed worker to be released',
      );
      const releasedAfter = Date.now() - killedAt;
      console.log(`delivery jobs released ${(releasedAfter / 1000).toFixed(1)} s after the kill (dead after ${DEAD_AFTER_SECONDS} s)`);
      expect(releasedAfter).toBeLessThan((DEAD_AFTER_SECONDS + 3) * 1000);

      const statuses = await until(
        async () => {
          const rows = await store.db.selectFrom('ehr_deliveries').select(['transaction_id', 'status']).execute();
          return rows.length === DOCUMENTS && rows.every((r) => r.status === 'completed') ? rows : false;
        },
        120_000,
        'every delivery to complete',
        250,
      );
      expect(new Set(statuses.map((r) => r.transaction_id))).toEqual(new Set(transactions));
      // The survivor tracks every transaction to completed.
      for (const t of transactions.slice(0, 5)) {
        const bundle = (await (await fetch(`${survivor.url}/fhir/CommunicationRequest/$tracking?transaction-id=${t}`, { headers: auth })).json()) as {
          entry: { resource: { status: string } }[];
        };
        expect(bundle.entry.map((e) => e.resource.status)).toEqual(['completed']);
      }
      // The EHR accepted each document once (a resend after the kill carries the same MSH-10 and is de-duplicated).
      const accepted = getEhrSandboxInfo(ehr.receiver).store.list().filter((i) => i.accepted);
      expect(accepted).toHaveLength(DOCUMENTS);
      expect(new Set(accepted.map((i) => i.controlId)).size).toBe(DOCUMENTS);
      console.log(`messages the EHR received twice (resent after the kill, de-duplicated): ${getEhrSandboxInfo(ehr.receiver).store.duplicates}`);

      survivor.p.kill('SIGTERM');
      await survivor.p.exited();
    } finally {
      await store.close();
      for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited()));
      await database.drop();
    }
  }, 300_000);
});

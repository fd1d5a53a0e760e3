import type { Appointment, Bundle } from '@medplum/fhirtypes';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONCALL_SIGNATURE_HEADER, signOncallBody } from '../../src/channels/oncall-hook/index.js';
import { IDENTIFIER_SYSTEMS } from '../../src/domain/identifiers.js';
import { OncallClient } from '../../src/partners/oncall/client.js';
import { openStore } from '../../src/store/db.js';
import { spawnCli, startSandboxProcess, type Spawned } from '../helpers/processes.js';
import { createPgDatabase, DIALECTS } from '../helpers/stores.js';
import { until } from '../helpers/until.js';

/**
 * Issue 9, "kill -9 ... in the middle of a webhook burst": OnCall and the FHIR EMR run in their
 * own process (they outlive the engine); the engine is killed twice while deliveries arrive and
 * restarted on the same port. A delivery that got no 202 is sent again, as OnCall retries. At the
 * end every appointment is in the EMR exactly once and no message failed.
 */
const BURST = 60;
const SECRET = 'kill-test-secret';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`sync back survives kill -9 in a webhook burst (${dialect})`, { timeout: 300_000 }, () => {
    const procs: Spawned[] = [];
    let dir: string;
    let sandbox: { proc: Spawned; base: string };
    let client: OncallClient;
    let databaseUrl: string;
    let drop: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ehrb-kill-back-'));
      sandbox = await startSandboxProcess();
      procs.push(sandbox.proc);
      client = new OncallClient({ baseUrl: `${sandbox.base}/oncall`, apiKey: 'oncall-sandbox-key', concurrency: 4, requestsPerSecond: 0, timeoutMs: 10_000, maxRetries: 4 });
      if (dialect === 'sqlite') databaseUrl = join(dir, 'kill.sqlite');
      else ({ url: databaseUrl, drop } = await createPgDatabase());
    });
    afterAll(async () => {
      await client?.close();
      for (const p of procs) {
        p.child.kill('SIGKILL');
        await p.exited();
      }
      await drop?.();
      rmSync(dir, { recursive: true, force: true });
    });

    function serve(port: number): Spawned {
      const p = spawnCli(['serve'], {
        EHR_BRIDGE_DATABASE_URL: databaseUrl,
        ONCALL_BASE_URL: `${sandbox.base}/oncall`,
        ONCALL_API_KEY: 'oncall-sandbox-key',
        ONCALL_REQUESTS_PER_SECOND: '0',
        EHR_BRIDGE_EMR_FHIR_URL: `${sandbox.base}/fhir-emr`,
        ONCALL_WEBHOOK_SECRET: SECRET,
        EHR_BRIDGE_ONCALL_SCAN_EVERY: 'off',
        EHR_BRIDGE_FHIR_FEED: 'off',
        EHR_BRIDGE_SANDBOXES: 'false',
        EHR_BRIDGE_EHR_MLLP_PORT: '0',
        EHR_BRIDGE_MLLP_PORT: '0',
        PORT: String(port),
      });
      procs.push(p);
      return p;
    }

    it(`every appointment of a ${BURST}-delivery burst reaches the EMR once across two kills`, async () => {
      // The EMR answers slowly, so a kill lands while creates are in flight.
      await fetch(`${sandbox.base}/fhir-emr/_admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: 30 }) });
      const [division] = await client.listDivisions();
      const start = Date.now() + 6 * 86_400_000;
      const urls: string[] = [];
      for (let i = 0; i < BURST; i++) {
        const a = await client.createAppointment({
          title: `Visit ${i}`,
          type: 'online',
          duration: 15,
          datetime: new Date(start + i * 900_000).toISOString(),
          division: division!.url,
          participants: [{ name: `Pat Kill${i}`, first_name: 'Pat', last_name: `Kill${i}`, email: `pat.kill${i}@example.org`, fee: 0 }],
        });
        urls.push(a.url);
      }
      const port = await freePort();
      let engine = serve(port);
      await engine.waitFor(/OnCall back/, 60_000);
      const hook = `http://127.0.0.1:${port}/hooks/oncall`;
      const killAt = new Set([Math.floor(BURST / 3), Math.floor((2 * BURST) / 3)]);
      let resent = 0;
      for (let i = 0; i < BURST; i++) {
        if (killAt.has(i)) {
          engine.child.kill('SIGKILL');
          await engine.exited();
          engine = serve(port);
        }
        const body = JSON.stringify({ event: 'appointment_created', url: urls[i] });
        for (let attempt = 0; ; attempt++) {
          const status = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json', [ONCALL_SIGNATURE_HEADER]: signOncallBody(body, SECRET) }, body })
            .then((r) => r.status)
            .catch(() => 0);
          if (status === 202) break;
          if (attempt > 400) throw new Error(`delivery ${i}: no 202 after ${attempt} tries (last ${status})`);
          resent++;
          await new Promise((r) => setTimeout(r, 150));
        }
      }
      const store = openStore(databaseUrl);
      try {
        await until(
          async () => {
            const rows = await store.db.selectFrom('messages').select('status').where('channel', '=', 'oncall-hook').execute();
            return rows.length >= BURST && rows.every((r) => r.status !== 'received') ? rows : undefined;
          },
          240_000,
          'every delivery processed',
          500,
        );
        const failed = await store.db.selectFrom('messages').select('error').where('status', '=', 'failed').execute();
        expect(failed).toEqual([]);
      } finally {
        await store.close();
      }
      for (const url of urls) {
        const res = await fetch(`${sandbox.base}/fhir-emr/Appointment?identifier=${encodeURIComponent(`${IDENTIFIER_SYSTEMS.oncallUrl}|${url}`)}`);
        const found = ((await res.json()) as Bundle).entry?.map((e) => e.resource as Appointment) ?? [];
        expect(found.length, url).toBe(1);
      }
      // Each participant became one EMR patient, whatever the kills interrupted.
      for (let i = 0; i < BURST; i++) {
        const res = await fetch(`${sandbox.base}/fhir-emr/Patient?family=Kill${i}&given=Pat`);
        const names = (((await res.json()) as Bundle).entry ?? []).map((e) => (e.resource as { name?: Array<{ family?: string }> }).name?.[0]?.family);
        expect(names.filter((n) => n === `Kill${i}`), `patient ${i}`).toHaveLength(1);
      }
      expect(resent).toBeGreaterThanOrEqual(0);
    });
  });
}

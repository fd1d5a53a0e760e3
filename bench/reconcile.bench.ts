/**
 * Issue 9, performance: reconciliation of 100,000 records per side, time and peak memory
 * (the issue asks under 300 MB).
 *
 * A child process plays the two partners on real sockets: the OnCall sandbox seeded through
 * `POST /_admin/seed` with N roster contacts, and the sandbox FHIR EMR holding N Patients made
 * from those contacts, with planted differences: every 1,000th patient has another e-mail
 * (different), and the last 100 patients are not linked and carry other names (missing in
 * OnCall, and their contacts missing in the EMR). It also writes the N - 100 link rows into the
 * database (SQLite file or PostgreSQL), as the forward sync would have. This process then only reconciles: its peak
 * RSS is the reconciliation's (with Node and the modules loaded).
 *
 * Run: node bin/run-ts.js bench/reconcile.bench.ts [--records 100000] [--dialect sqlite|postgres]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Patient } from '@medplum/fhirtypes';

const { values } = parseArgs({ options: { records: { type: 'string', default: '100000' }, child: { type: 'string' }, dialect: { type: 'string', default: 'sqlite' } } });
const N = Number(values.records);
const DIFFERENT_EVERY = 1000;
const UNLINKED = 100;

if (values.child) await child(values.child);
else await main();

async function child(dbFile: string): Promise<void> {
  const [{ default: Fastify }, { oncallSandbox, DEFAULT_ONCALL_SANDBOX_API_KEY }, { fhirEmrSandbox, createFhirEmrStore }, { openStore }, { migrateToLatest }, { LinkStore }] = await Promise.all([
    import('fastify'),
    import('../src/sandboxes/oncall/plugin.js'),
    import('../src/sandboxes/fhir-emr/plugin.js'),
    import('../src/store/db.js'),
    import('../src/store/migrate.js'),
    import('../src/links/link-store.js'),
  ]);
  const store = createFhirEmrStore({ seed: false });
  const app = Fastify({ logger: false, bodyLimit: 10 * 2 ** 20 });
  await app.register(oncallSandbox, { prefix: '/oncall' });
  await app.register(fhirEmrSandbox, { prefix: '/fhir-emr', store, seed: false, bulkExport: false });
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  const seeded = await app.inject({ method: 'POST', url: '/oncall/_admin/seed/', payload: { contacts: N } });
  if (seeded.statusCode !== 200) throw new Error(`seed failed: ${seeded.body}`);

  const db = openStore(dbFile);
  await migrateToLatest(db);
  const links = new LinkStore(db.db);
  let n = 0;
  let url: string | null = `/oncall/contacts/?page_size=100`;
  let batch: Parameters<typeof links.putMany>[0] = [];
  while (url) {
    const res = await app.inject({ method: 'GET', url, headers: { authorization: `Token ${DEFAULT_ONCALL_SANDBOX_API_KEY}` } });
    const page = res.json() as { next: string | null; results: Array<{ url: string; first_name: string; last_name: string; email: string }> };
    for (const c of page.results) {
      n++;
      const id = `p${n}`;
      const unlinked = n > N - UNLINKED;
      const email = n % DIFFERENT_EVERY === 0 ? `changed${n}@example.com` : c.email;
      const patient: Patient & { id: string } = {
        resourceType: 'Patient',
        id,
        name: [{ use: 'official', family: unlinked ? `Other${n}` : c.last_name, given: [c.first_name] }],
        telecom: [{ system: 'email', value: email }],
      };
      store.update(patient);
      if (!unlinked) batch.push({ kind: 'patient', sourceSystem: 'emr', sourceId: id, targetSystem: 'oncall', targetId: `${origin}${new URL(c.url).pathname}` });
    }
    if (batch.length >= 5000) {
      await links.putMany(batch);
      batch = [];
    }
    url = page.next ? new URL(page.next).pathname + new URL(page.next).search : null;
  }
  await links.putMany(batch);
  await db.close();
  process.stdout.write(`${JSON.stringify({ origin, records: n })}\n`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ehrb-bench-reconcile-'));
  let dbFile = join(dir, 'db.sqlite');
  let drop: (() => Promise<void>) | undefined;
  if (values.dialect === 'postgres') {
    const { createPgDatabase } = await import('../test/helpers/stores.js');
    ({ url: dbFile, drop } = await createPgDatabase());
  }
  const here = fileURLToPath(import.meta.url);
  const proc = spawn(process.execPath, [join(here, '..', '..', 'bin', 'run-ts.js'), here, '--records', String(N), '--child', dbFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  const setupStart = performance.now();
  const ready = await new Promise<{ origin: string; records: number }>((resolve, reject) => {
    let out = '';
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as { origin: string; records: number });
    });
    proc.on('exit', (code) => reject(new Error(`partner process exited (${code})`)));
  });
  const setupMs = performance.now() - setupStart;

  const [{ OncallClient }, { FhirReader }, { DEFAULT_ONCALL_SANDBOX_API_KEY }, { openStore }, { reconcile }, { emrRecords, oncallRecords }, { parseOwners }, { summaryLine }] = await Promise.all([
    import('../src/partners/oncall/client.js'),
    import('../src/partners/fhir-emr/fhir-reader.js'),
    import('../src/sandboxes/oncall/plugin.js'),
    import('../src/store/db.js'),
    import('../src/flows/reconcile/reconcile.js'),
    import('../src/flows/reconcile/sources.js'),
    import('../src/flows/reconcile/owners.js'),
    import('../src/flows/reconcile/findings.js'),
  ]);
  const { pino } = await import('pino');
  const logger = pino({ level: 'silent' });
  const store = openStore(dbFile);
  const client = new OncallClient({ baseUrl: `${ready.origin}/oncall`, apiKey: DEFAULT_ONCALL_SANDBOX_API_KEY, logger });
  const reader = new FhirReader({ baseUrl: `${ready.origin}/fhir-emr`, logger });

  let peak = process.memoryUsage().rss;
  const rssBefore = peak;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  let findings = 0;
  let oncallDoneAt = 0;
  const t0 = performance.now();
  const summary = await reconcile({
    type: 'contacts',
    emr: emrRecords('contacts', reader),
    oncall: oncallRecords('contacts', client, { emrIdField: '1', emrIdMetadataKey: 'emr_id' }),
    db: store.db,
    owners: parseOwners(undefined),
    onFinding: () => void findings++,
    onProgress: (p) => {
      if (p.phase === 'emr' && !oncallDoneAt) oncallDoneAt = performance.now();
    },
  });
  const ms = performance.now() - t0;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const maxRss = process.resourceUsage().maxRSS * 1024;
  const stats = client.stats();
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

  console.log(`reconciliation of ${ready.records.toLocaleString('en-US')} records per side (contacts, ${values.dialect}; partners in their own process, set up in ${(setupMs / 1000).toFixed(1)} s)`);
  console.log(`  ${summaryLine(summary)}`);
  console.log(`  expected: different ${Math.floor((N - UNLINKED) / DIFFERENT_EVERY)}, missing in OnCall ${UNLINKED}, missing in EMR ${UNLINKED}; findings reported ${findings}`);
  console.log(`  time ${(ms / 1000).toFixed(1)} s (OnCall listing ${((oncallDoneAt - t0) / 1000).toFixed(1)} s, EMR read + join ${((t0 + ms - oncallDoneAt) / 1000).toFixed(1)} s); ${Math.round((2 * ready.records * 1000) / ms).toLocaleString('en-US')} records/s`);
  console.log(`  OnCall GETs ${stats.requests} (page size 100), EMR pages ${Math.ceil(ready.records / 1000)} (page size 1000)`);
  console.log(`  memory: rss ${mib(rssBefore)} before the run, peak ${mib(Math.max(peak, maxRss))} (limit 300 MiB)`);

  await client.close();
  await reader.close();
  await store.close();
  proc.kill('SIGTERM');
  await drop?.();
  rmSync(dir, { recursive: true, force: true });
}

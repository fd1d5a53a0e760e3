/**
 * Issue 9, performance: a scan of 100,000 OnCall contacts, then again with 1 % changed.
 *
 * The OnCall sandbox runs in its own process (OnCall is another machine); it is seeded with
 * `POST /_admin/seed/` and 1 % of the contacts are changed through the API (PATCH). The scanner
 * runs as the engine runs it (the adaptive OnCall client, the message store's group commit) on
 * a SQLite file and on PostgreSQL. Figures per database:
 * - first scan (every contact new): time, page GETs the sandbox counted, messages stored;
 * - second scan (1 % changed): time, page GETs against the floor of 1,000 (100,000 / 100 per
 *   page), messages stored (the changed ones only);
 * - third scan (nothing changed): time and GETs.
 *
 * Run: npx tsx bench/oncall-scan.bench.ts [--contacts 100000] [--changed 0.01] [--dialect sqlite|postgres|both]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createOncallScanner, type ScanResult } from '../src/channels/oncall-scan/index.js';
import { OncallClient } from '../src/partners/oncall/client.js';
import { openStore } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { createPgDatabase } from '../test/helpers/stores.js';
import { startSandboxProcess } from '../test/helpers/processes.js';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '100000' },
    changed: { type: 'string', default: '0.01' },
    dialect: { type: 'string', default: 'both' },
  },
});
const contacts = Number(values.contacts);
const changedShare = Number(values.changed);
const dialects = values.dialect === 'both' ? (['sqlite', 'postgres'] as const) : ([values.dialect] as ['sqlite' | 'postgres']);
const floor = Math.ceil(contacts / 100);
const fmt = new Intl.NumberFormat('en-US');

const sandbox = await startSandboxProcess();
const base = `${sandbox.base}/oncall`;
const API_KEY = 'oncall-sandbox-key';

async function admin(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}/_admin/${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  if (!res.ok) throw new Error(`sandbox ${method} ${path}: HTTP ${res.status}`);
  return res.json();
}
const gets = async (): Promise<number> => Number((await admin('GET', 'stats/')).requests.byMethod.GET ?? 0);

/** PATCHes `n` contacts spread over the roster, 32 at a time. */
async function changeContacts(n: number, round: number): Promise<void> {
  const step = Math.max(1, Math.floor(contacts / n));
  const ids = Array.from({ length: n }, (_, i) => 1 + i * step);
  for (let i = 0; i < ids.length; i += 32) {
    await Promise.all(
      ids.slice(i, i + 32).map(async (id) => {
        const res = await fetch(`${base}/contacts/${id}/`, {
          method: 'PATCH',
          headers: { authorization: `Token ${API_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ notes: `bench change ${round}` }),
        });
        if (!res.ok) throw new Error(`PATCH contact: HTTP ${res.status}`);
      }),
    );
  }
}

function line(label: string, r: ScanResult, requests: number): string {
  const secs = r.durationMs / 1000;
  return `  ${label.padEnd(22)} ${secs.toFixed(1).padStart(6)} s  ${fmt.format(Math.round(r.run.seen / secs)).padStart(7)} contacts/s  GETs ${fmt.format(requests)} (floor ${fmt.format(floor)})  stored ${fmt.format(r.stored)}  status ${r.run.status}`;
}

const rows: string[] = [];
for (const dialect of dialects) {
  await admin('POST', 'reset/');
  await admin('POST', 'seed/', { contacts });
  const dir = mkdtempSync(join(tmpdir(), 'ehrb-bench-scan-'));
  let url = join(dir, 'db.sqlite');
  let drop: (() => Promise<void>) | undefined;
  if (dialect === 'postgres') ({ url, drop } = await createPgDatabase());
  const store = openStore(url);
  await migrateToLatest(store);
  const client = new OncallClient({ baseUrl: base, apiKey: API_KEY });
  const scanner = createOncallScanner({ db: store.db, dialect: store.dialect, client: () => client, wake: () => undefined });
  rows.push(`${dialect}: ${fmt.format(contacts)} contacts`);

  let before = await gets();
  const first = await scanner.scan('contacts', 'manual');
  rows.push(line('first scan (all new)', first, (await gets()) - before));

  await changeContacts(Math.round(contacts * changedShare), 1);
  before = await gets();
  const second = await scanner.scan('contacts', 'manual');
  rows.push(line(`rescan, ${changedShare * 100} % changed`, second, (await gets()) - before));

  before = await gets();
  const third = await scanner.scan('contacts', 'manual');
  rows.push(line('rescan, none changed', third, (await gets()) - before));
  rows.push(`  client: ${client.stats().requests} attempts, ${client.stats().retries} retries, adaptive limit ${client.stats().concurrencyLimit}`);

  await client.close();
  await store.close();
  await drop?.();
  rmSync(dir, { recursive: true, force: true });
}

console.log('OnCall contact scan (sandbox in its own process, page_size 100)');
for (const r of rows) console.log(r);
sandbox.proc.child.kill('SIGTERM');
await sandbox.proc.exited();

/**
 * Issue 8, performance: end to end from the ACK to OnCall, and the relevant-change filter.
 *
 * An engine (`serve`'s pieces: SQLite or PostgreSQL, the MLLP listener, the processor, the
 * OnCall sandbox in its own process answering after 20 ms) receives a simulated EMR feed at a fixed rate
 * over MLLP. Figures:
 * - latency from the durable write (the ACK goes right after it) to the message being applied
 *   in OnCall (its last partner call answered): p50, p99, max;
 * - partner calls per message, against the naive approach (one PATCH per ADT update, one call
 *   per SIU), for a feed where ~80 % of patient updates change nothing OnCall holds;
 * - resident memory at the start and the end of the run.
 *
 * Run: npx tsx bench/sync-end-to-end.bench.ts [--count 2000] [--rate 200] [--dialect sqlite|postgres]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startServer } from '../src/server/start.js';
import { generateFeed } from '../src/sandboxes/emr-feed/index.js';
import { MllpConnection } from '../src/mllp/client.js';
import { createPgDatabase } from '../test/helpers/stores.js';
import { startSandboxProcess } from '../test/helpers/processes.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '200' },
    latency: { type: 'string', default: '20' },
    dialect: { type: 'string', default: 'sqlite' },
    concurrency: { type: 'string', default: '' },
  },
});
const count = Number(values.count);
const rate = Number(values.rate);

const dir = mkdtempSync(join(tmpdir(), 'ehrb-bench-sync-'));
let databaseUrl = join(dir, 'db.sqlite');
let drop: (() => Promise<void>) | undefined;
if (values.dialect === 'postgres') {
  const pg = await createPgDatabase();
  databaseUrl = pg.url;
  drop = pg.drop;
}
// OnCall is another machine in real life: its sandbox runs in its own process here, so the
// figures are the engine's, not the engine's plus the emulator's on one event loop.
const sandbox = await startSandboxProcess();
const base = `${sandbox.base}/oncall`;
const server = await startServer(
  {
    port: 0,
    host: '127.0.0.1',
    databaseUrl,
    logLevel: 'silent',
    admin: { password: 'correct horse battery' },
    ehr: { sandboxMllpPort: 0 },
    sandboxes: false,
    oncall: { baseUrl: base, apiKey: 'oncall-sandbox-key' },
  },
  values.concurrency ? { EHR_BRIDGE_SYNC_CONCURRENCY: values.concurrency } : {},
  { mllp: { port: 0 } },
);
await fetch(`${base}/_admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: Number(values.latency) }) });
const stats = async () => ((await (await fetch(`${base}/_admin/stats/`)).json()) as { requests: { total: number } }).requests.total;

const feed = generateFeed({ count, patients: Math.max(20, Math.round(count / 8)), seed: 'bench', now: new Date() });
const rssStart = process.memoryUsage().rss;
const callsBefore = await stats();
const t0 = performance.now();
// One connection, each message sent at its slot on an absolute schedule (rate/s) once the
// previous ACK is in, as an EMR interface engine sends: per-patient order is the feed's order.
const conn = new MllpConnection({ host: '127.0.0.1', port: server.sync.mllp!.port()!, connectTimeoutMs: 5000, ackTimeoutMs: 30_000 });
let aa = 0;
for (let i = 0; i < feed.messages.length; i++) {
  const slot = t0 + (rate > 0 ? (i * 1000) / rate : 0);
  const wait = slot - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  const ack = (await conn.send(feed.messages[i]!.raw)).toString('latin1');
  if (ack.includes('MSA|AA|')) aa++;
}
conn.close();
const summary = { aa };
const sentMs = performance.now() - t0;
for (;;) {
  const s = await server.ctx.sync().status();
  if (s.processing.waiting === 0) break;
  await new Promise((r) => setTimeout(r, 100));
}
const doneMs = performance.now() - t0;
const calls = (await stats()) - callsBefore;

const rows = await server.ctx.store.db.selectFrom('messages').select(['received_at', 'processed_at', 'status', 'message_type']).where('channel', '=', 'mllp').execute();
const lat = rows
  .filter((r) => r.processed_at)
  .map((r) => Date.parse(r.processed_at!) - Date.parse(r.received_at))
  .sort((a, b) => a - b);
const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] ?? NaN;
const failed = rows.filter((r) => r.status === 'failed').length;
// Partner calls per message kind, from the trace (each call the processor made is recorded).
const perEvent = await server.ctx.store.db
  .selectFrom('messages as m')
  .leftJoin('message_events as e', (j) => j.onRef('e.message_id', '=', 'm.id').on('e.kind', '=', 'call'))
  .select(['m.message_type', 'm.event'])
  .select((eb) => [eb.fn.count<string | number>('e.id').as('calls'), eb.fn.count<string | number>('m.id').distinct().as('messages')])
  .where('m.channel', '=', 'mllp')
  .groupBy(['m.message_type', 'm.event'])
  .execute();
const updateRows = perEvent.filter((r) => r.message_type === 'ADT' && ['A08', 'A31'].includes(r.event));
const updateCalls = updateRows.reduce((a, r) => a + Number(r.calls), 0);
const updateMsgs = updateRows.reduce((a, r) => a + Number(r.messages), 0);
const k = feed.kinds as Record<string, number>;
const updates = Object.entries(k).filter(([name]) => /update/i.test(name)).reduce((a, [, v]) => a + v, 0);
const naive = count; // one call per message: a PATCH per update, a POST/PATCH per SIU and new patient

console.log(`sync end to end (${values.dialect}), ${count} messages at ${rate}/s, OnCall answering in ${values.latency} ms`);
console.log(`  sent in ${(sentMs / 1000).toFixed(1)} s (${summary.aa} AA), all applied after ${(doneMs / 1000).toFixed(1)} s; failed ${failed}`);
console.log(`  ACK -> applied in OnCall: p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${lat.at(-1)} ms`);
console.log(`  partner calls: ${calls} for ${count} messages (${(calls / count).toFixed(2)} per message); naive one call per message: ${naive}`);
console.log(`  patient updates (ADT A08/A31): ${updateMsgs} messages, ${updateCalls} partner calls (${(updateCalls / Math.max(1, updateMsgs)).toFixed(2)} per update); naive approach, one PATCH per update: ${updateMsgs} calls (1.00 per update)`);
console.log(`  per message kind: ${perEvent.map((r) => `${r.message_type}^${r.event} ${(Number(r.calls) / Number(r.messages)).toFixed(2)}`).join(', ')}`);
console.log(`  feed: ${JSON.stringify(k)} (patient updates: ${updates})`);
const cs = server.ctx.oncall().stats() as unknown as Record<string, unknown>;
console.log(`  OnCall client: concurrency limit ${String(cs.concurrencyLimit)} of ${String(cs.concurrencyMax)}`);
console.log(`  memory: rss ${(rssStart / 2 ** 20).toFixed(0)} MiB at start, ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB at the end`);
await server.close();
sandbox.proc.child.kill('SIGTERM');
await sandbox.proc.exited();
await drop?.();
rmSync(dir, { recursive: true, force: true });

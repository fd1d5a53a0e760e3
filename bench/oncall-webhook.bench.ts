/**
 * Issue 9, performance: OnCall Health webhooks into the engine, then on to the EMR.
 *
 * 1. Intake. The engine (`serve`'s pieces with the sync back on, EHR_BRIDGE_EMR_WRITE=off and
 *    EHR_BRIDGE_SYNC=off, so only the receiver runs) takes signed `{"event":"appointment_updated","url":...}`
 *    deliveries at `POST /hooks/oncall` from N concurrent senders (keep-alive connections, one
 *    request in flight each) for S seconds. The 202 goes out only after the durable write.
 *    Figures: accepted/s, p50/p99 of the 202 as the sender sees it, rows stored (= accepted),
 *    the engine's CPU per webhook. Baseline in the same run: a bare fastify server answering
 *    202 to the same requests without checking or storing anything (the limit).
 * 2. End to end. OnCall and the FHIR EMR (both sandboxes, in their own process) answer every
 *    API call after 20 ms. Appointments are created in the OnCall sandbox at a steady rate, each
 *    with a new participant; the sandbox's own signed webhooks go to the engine, which GETs the
 *    appointment and writes a Patient and an Appointment to the EMR. Figures: webhook receipt ->
 *    EMR write (messages.received_at -> processed_at of channel oncall-hook, both in the
 *    database's clock) p50/p99/max, EMR creates against appointments (exactly once), OnCall GETs
 *    and EMR calls per webhook; to tell where the time goes: the partner calls' times from each
 *    message's trace, the engine's own share (the rest), the OnCall client's adaptive concurrency
 *    limit over the run, one commit's latency and, on PostgreSQL, transactions per webhook.
 *    Baseline: the floor, the webhook's partner calls one after the other at the set latency.
 *    BENCH_TRACE=1 prints each delivery's latency in arrival order (a queue shows as a rising line).
 *
 * Senders and the appointment creator run in child processes (another machine in real life), so
 * the engine's figures are its own. PostgreSQL: 127.0.0.1:5432 (EHR_BRIDGE_TEST_PG_URL), a fresh
 * database per run.
 *
 *   node bin/run-ts.js bench/oncall-webhook.bench.ts [--part intake|e2e|both] [--dialect sqlite|postgres|both]
 *     [--seconds 10] [--senders 32] [--rounds 2] [--rate 20] [--duration 30] [--latency 20]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { ONCALL_HOOK_CHANNEL } from '../src/channels/oncall-hook/index.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { createPgDatabase } from '../test/helpers/stores.js';
import { startSandboxProcess, type Spawned } from '../test/helpers/processes.js';

const { values } = parseArgs({
  options: {
    part: { type: 'string', default: 'both' },
    dialect: { type: 'string', default: 'both' },
    seconds: { type: 'string', default: '10' },
    senders: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '2' },
    rate: { type: 'string', default: '20' },
    duration: { type: 'string', default: '30' },
    latency: { type: 'string', default: '20' },
  },
});
const SECONDS = Number(values.seconds);
const SENDERS = Number(values.senders);
const ROUNDS = Number(values.rounds);
const RATE = Number(values.rate);
const DURATION = Number(values.duration);
const LATENCY = Number(values.latency);
const DIALECTS = (values.dialect === 'both' ? ['sqlite', 'postgres'] : [values.dialect!]) as Array<'sqlite' | 'postgres'>;
const SECRET = 'bench-webhook-secret';
const SANDBOX_KEY = 'oncall-sandbox-key';

// ---------------------------------------------------------------------------------------------
// Child processes: plain JS, so they start fast and cost the engine nothing.

/** Webhook senders: each connection POSTs a signed delivery, waits for the answer, sends the next. */
const SENDERS_JS = `
const http = require('node:http');
const { createHmac } = require('node:crypto');
const { url, base, secret, senders, seconds } = JSON.parse(process.env.BENCH_OPTIONS);
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: senders });
const lat = [];
let ok = 0, other = 0, errors = 0, i = 0;
const deadline = Date.now() + seconds * 1000;
const t0 = process.hrtime.bigint();
function one() {
  return new Promise((resolve) => {
    const n = i++;
    const body = JSON.stringify({ event: 'appointment_updated', url: base + '/appointments/' + ((n % 5000) + 1) + '/' });
    const sig = 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
    const s = process.hrtime.bigint();
    const req = http.request({ agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-oncall-signature': sig } }, (res) => {
      res.resume();
      res.on('end', () => {
        lat.push(Number(process.hrtime.bigint() - s) / 1e6);
        if (res.statusCode === 202) ok++; else other++;
        resolve();
      });
    });
    req.on('error', () => { errors++; resolve(); });
    req.end(body);
  });
}
async function worker() { while (Date.now() < deadline) await one(); }
Promise.all(Array.from({ length: senders }, worker)).then(() => {
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  lat.sort((a, b) => a - b);
  const q = (p) => lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : NaN;
  agent.destroy();
  process.stdout.write(JSON.stringify({ ok, other, errors, seconds: secs, p50: q(0.5), p99: q(0.99), max: lat.at(-1) }));
});
`;

/** Appointment creator: one POST /appointments/ per slot at a fixed rate, each with a new participant. */
const CREATOR_JS = `
const { base, key, rate, duration, tag } = JSON.parse(process.env.BENCH_OPTIONS);
const auth = { authorization: 'Token ' + key, 'content-type': 'application/json' };
(async () => {
  const divisions = await (await fetch(base + '/divisions/', { headers: auth })).json();
  const division = divisions.results[0].url;
  const count = Math.round(rate * duration);
  const day = new Date(Date.now() + 2 * 86400000); day.setUTCHours(8, 0, 0, 0);
  const urls = [];
  let failed = 0;
  const t0 = Date.now();
  const pending = [];
  for (let i = 0; i < count; i++) {
    const wait = t0 + (i * 1000) / rate - Date.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const first = 'Bench' + tag + i.toString(36);
    const body = {
      title: 'Follow-up', type: 'online', duration: 30, division,
      datetime: new Date(day.getTime() + i * 1800000).toISOString(),
      participants: [{ name: first + ' Walker', first_name: first, last_name: 'Walker', email: first.toLowerCase() + '@example.org', fee: 0 }],
    };
    pending.push(fetch(base + '/appointments/', { method: 'POST', headers: auth, body: JSON.stringify(body) }).then(async (res) => {
      if (res.status === 201) urls.push((await res.json()).url); else { failed++; await res.arrayBuffer(); }
    }, () => { failed++; }));
  }
  await Promise.all(pending);
  process.stdout.write(JSON.stringify({ created: urls.length, failed, seconds: (Date.now() - t0) / 1000 }));
})().catch((e) => { console.error(String(e)); process.exit(1); });
`;

function runChild<T>(script: string, options: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, BENCH_OPTIONS: JSON.stringify(options) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`child exited with ${code}`))));
  });
}

// ---------------------------------------------------------------------------------------------
// Engines and the sandbox process.

interface Engine {
  server: RunningServer;
  close(): Promise<void>;
}

async function startEngine(dialect: 'sqlite' | 'postgres', oncallBase: string, env: NodeJS.ProcessEnv, emrFhirUrl?: string): Promise<Engine> {
  const dir = mkdtempSync(join(tmpdir(), 'ehrb-bench-hook-'));
  let databaseUrl = join(dir, 'db.sqlite');
  let drop: (() => Promise<void>) | undefined;
  if (dialect === 'postgres') ({ url: databaseUrl, drop } = await createPgDatabase());
  const server = await startServer(
    {
      port: 0,
      host: '127.0.0.1',
      databaseUrl,
      logLevel: 'silent',
      admin: { password: 'correct horse battery' },
      ehr: { sandboxMllpPort: 0 },
      sandboxes: false,
      oncall: { baseUrl: oncallBase, apiKey: SANDBOX_KEY },
      ...(emrFhirUrl ? { emr: { fhirUrl: emrFhirUrl } } : {}),
    },
    { ONCALL_WEBHOOK_SECRET: SECRET, EHR_BRIDGE_ONCALL_SCAN_EVERY: 'off', ...env },
    { back: true },
  );
  return {
    server,
    async close() {
      await server.close();
      await drop?.();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function hookRows(server: RunningServer): Promise<number> {
  const r = await server.ctx.store.db.selectFrom('messages').select((eb) => eb.fn.countAll<string | number>().as('n')).where('channel', '=', ONCALL_HOOK_CHANNEL).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Median time of a one-row commit on the engine's database (its fsync on PostgreSQL): the unit of the engine's own time. */
async function commitLatencyMs(server: RunningServer): Promise<number> {
  const db = server.ctx.store.db;
  await sql`create table bench_commit_probe (n integer)`.execute(db);
  const times: number[] = [];
  for (let i = 0; i < 31; i++) {
    const t0 = performance.now();
    await db.transaction().execute((trx) => sql`insert into bench_commit_probe (n) values (${i})`.execute(trx));
    times.push(performance.now() - t0);
  }
  await sql`drop table bench_commit_probe`.execute(db);
  return times.sort((a, b) => a - b)[15]!;
}

/** PostgreSQL's own counters for this database (statements outside a transaction count one each). */
async function pgCounters(server: RunningServer): Promise<{ xacts: number; inserted: number; updated: number } | undefined> {
  if (server.ctx.store.dialect !== 'postgres') return undefined;
  const r = await sql<{ x: string; i: string; u: string }>`select xact_commit + xact_rollback as x, tup_inserted as i, tup_updated as u from pg_stat_database where datname = current_database()`.execute(server.ctx.store.db);
  const row = r.rows[0]!;
  return { xacts: Number(row.x), inserted: Number(row.i), updated: Number(row.u) };
}

async function postJson(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
}

async function stopSandbox(proc: Spawned): Promise<void> {
  proc.kill('SIGTERM');
  await proc.exited();
}

// ---------------------------------------------------------------------------------------------
// Part 1: intake.

interface SendResult {
  ok: number;
  other: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
  max: number;
}

interface IntakeTarget {
  name: string;
  start(): Promise<string>;
  stop(): Promise<void>;
  stored?(): Promise<number>;
}

function bareFastify(): IntakeTarget {
  let app: FastifyInstance;
  return {
    name: 'bare fastify, 202 without storing',
    async start() {
      // A new server per round (a closed fastify cannot listen again).
      app = Fastify({ logger: false });
      let n = 0;
      app.removeAllContentTypeParsers();
      app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
      app.post('/hooks/oncall', async (_req, reply) => reply.code(202).send({ status: 'stored', messageId: ++n }));
      return `${await app.listen({ port: 0, host: '127.0.0.1' })}/hooks/oncall`;
    },
    stop: () => app.close(),
  };
}

function engineIntake(dialect: 'sqlite' | 'postgres', oncallBase: string): IntakeTarget {
  let engine: Engine;
  return {
    name: `engine, ${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'} (stored, then 202)`,
    async start() {
      // EHR_BRIDGE_SYNC=off: nothing processes, the figures are intake's; EHR_BRIDGE_EMR_WRITE=off
      // keeps the receiver (setup.ts runs the sync back only where it can write, or where asked to store only).
      engine = await startEngine(dialect, oncallBase, { EHR_BRIDGE_SYNC: 'off', EHR_BRIDGE_EMR_WRITE: 'off' });
      return `${engine.server.ctx.engineUrl}/hooks/oncall`;
    },
    stored: () => hookRows(engine.server),
    stop: () => engine.close(),
  };
}

async function intake(): Promise<string[]> {
  const sandbox = await startSandboxProcess();
  const base = `${sandbox.base}/oncall`;
  const targets = [bareFastify(), ...DIALECTS.map((d) => engineIntake(d, base))];
  const best = new Map<string, { rate: number; r: SendResult; stored?: number; cpuUs: number }>();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of targets) {
        const url = await t.start();
        const cpu0 = process.cpuUsage();
        const r = await runChild<SendResult>(SENDERS_JS, { url, base, secret: SECRET, senders: SENDERS, seconds: SECONDS });
        const cpu = process.cpuUsage(cpu0);
        const stored = await t.stored?.();
        await t.stop();
        // A 503 here means the engine has no receiver (the sync back is off in it).
        if (r.other || r.errors) throw new Error(`${t.name}: ${r.other} answers other than 202, ${r.errors} connection errors`);
        if (stored !== undefined && stored !== r.ok) throw new Error(`${t.name}: ${r.ok} answered 202 but ${stored} stored`);
        const rate = r.ok / r.seconds;
        const prev = best.get(t.name);
        if (!prev || rate > prev.rate) best.set(t.name, { rate, r, stored, cpuUs: (cpu.user + cpu.system) / r.ok });
      }
    }
  } finally {
    await stopSandbox(sandbox.proc);
  }
  const limit = best.get(targets[0]!.name)!.rate;
  const lines = [`webhook intake: ${SENDERS} senders, one delivery in flight each (signed, ~90 bytes), ${SECONDS} s per run, best of ${ROUNDS}`];
  for (const t of targets) {
    const b = best.get(t.name)!;
    const stored = b.stored === undefined ? '' : `, stored ${b.stored} = accepted`;
    lines.push(
      `  ${t.name.padEnd(38)} ${b.rate.toFixed(0).padStart(6)}/s  ${((b.rate / limit) * 100).toFixed(0).padStart(3)}% of bare  p50 ${b.r.p50.toFixed(1)} ms  p99 ${b.r.p99.toFixed(1)} ms  engine cpu ${b.cpuUs.toFixed(0)} µs/webhook${stored}`,
    );
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Part 2: end to end.

interface FhirStats {
  requests: { total: number; byInteraction: Record<string, number>; byType: Record<string, number> };
  resources: Record<string, number>;
}

async function endToEnd(dialect: 'sqlite' | 'postgres'): Promise<string[]> {
  const sandbox = await startSandboxProcess();
  const oncall = `${sandbox.base}/oncall`;
  const fhir = `${sandbox.base}/fhir-emr`;
  let engine: Engine | undefined;
  try {
    engine = await startEngine(dialect, oncall, {}, fhir);
    const server = engine.server;
    const commitMs = await commitLatencyMs(server);
    await postJson(`${oncall}/_admin/webhooks/`, { url: `${server.ctx.engineUrl}/hooks/oncall`, secret: SECRET });
    await postJson(`${oncall}/_admin/faults/`, { latencyMs: LATENCY });
    await postJson(`${fhir}/_admin/faults`, { latencyMs: LATENCY });
    const oncallStats = async () => (await (await fetch(`${oncall}/_admin/stats/`)).json()) as { requests: { byMethod: Record<string, number> }; webhooks: { delivered: number; failed: number; attempts: number } };
    const fhirStats = async () => (await (await fetch(`${fhir}/_admin/stats`)).json()) as FhirStats;
    const o0 = await oncallStats();
    const f0 = await fhirStats();
    const pg0 = await pgCounters(server);
    const cpu0 = process.cpuUsage();
    // The OnCall client's adaptive concurrency limit (issue 8) over the run: the GETs queue behind it.
    const limits: number[] = [];
    const sampler = setInterval(() => limits.push(Number((server.ctx.oncall().stats() as unknown as Record<string, unknown>).concurrencyLimit)), 100);

    const made = await runChild<{ created: number; failed: number; seconds: number }>(CREATOR_JS, { base: oncall, key: SANDBOX_KEY, rate: RATE, duration: DURATION, tag: dialect[0] });
    if (made.failed) throw new Error(`${made.failed} appointments not created in the OnCall sandbox`);
    // Every delivery stored, then every stored delivery processed.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const o = await oncallStats();
      const rows = await hookRows(server);
      const waiting = (await server.ctx.sync().status()).processing.waiting;
      if (rows >= made.created && waiting === 0 && o.webhooks.delivered - o0.webhooks.delivered >= made.created) break;
      if (Date.now() > deadline) throw new Error(`not drained: ${rows} stored of ${made.created}, ${waiting} waiting`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const cpu = process.cpuUsage(cpu0);
    clearInterval(sampler);
    const pg1 = await pgCounters(server);
    limits.sort((a, b) => a - b);
    const o1 = await oncallStats();
    const f1 = await fhirStats();

    const rows = await server.ctx.store.db.selectFrom('messages').select(['id', 'received_at', 'processed_at', 'status', 'event']).where('channel', '=', ONCALL_HOOK_CHANNEL).execute();
    const lat = rows
      .filter((r) => r.processed_at)
      .map((r) => Date.parse(r.processed_at!) - Date.parse(r.received_at))
      .sort((a, b) => a - b);
    const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] ?? NaN;
    // BENCH_TRACE=1: each delivery's latency in arrival order (a queue shows as a rising line).
    if (process.env.BENCH_TRACE) {
      const all = await server.ctx.store.db.selectFrom('messages').select(['received_at', 'processed_at']).where('channel', '=', ONCALL_HOOK_CHANNEL).orderBy('id').execute();
      console.log(all.map((r) => (r.processed_at ? Date.parse(r.processed_at) - Date.parse(r.received_at) : '-')).join(' '));
    }
    // Time spent waiting on partners, from each message's trace (one `call` entry per request, with its ms).
    const calls = await server.ctx.store.db
      .selectFrom('message_events as e')
      .innerJoin('messages as m', 'm.id', 'e.message_id')
      .select(['e.message_id', 'e.detail'])
      .where('m.channel', '=', ONCALL_HOOK_CHANNEL)
      .where('e.kind', '=', 'call')
      .execute();
    const partnerMs = new Map<number, number>();
    const byCall = new Map<string, number[]>();
    for (const c of calls) {
      const d = JSON.parse(c.detail) as { ms?: number; method?: string; path?: string; note?: string };
      partnerMs.set(Number(c.message_id), (partnerMs.get(Number(c.message_id)) ?? 0) + Number(d.ms ?? 0));
      const k = `${d.method} ${d.path?.replace(/\/\d+\/$/, '/{id}/')}${d.note ? ` (${d.note})` : ''}`;
      byCall.set(k, [...(byCall.get(k) ?? []), Number(d.ms ?? 0)]);
    }
    const callLines = [...byCall].map(([k, v]) => {
      v.sort((a, b) => a - b);
      return `${k} p50 ${v[v.length >> 1]} p99 ${v[Math.min(v.length - 1, Math.floor(0.99 * v.length))]}`;
    });
    const pm = [...partnerMs.values()].sort((a, b) => a - b);
    // The engine's own share: the message's whole time less its partner calls (queueing, database, CPU).
    const own = rows
      .filter((r) => r.processed_at)
      .map((r) => Date.parse(r.processed_at!) - Date.parse(r.received_at) - (partnerMs.get(Number(r.id)) ?? 0))
      .sort((a, b) => a - b);
    const byStatus = rows.reduce<Record<string, number>>((a, r) => ((a[r.status] = (a[r.status] ?? 0) + 1), a), {});
    const reviews = await server.ctx.store.db.selectFrom('sync_reviews').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
    const delta = (k: string) => (f1.resources[k] ?? 0) - (f0.resources[k] ?? 0);
    const gets = (o1.requests.byMethod.GET ?? 0) - (o0.requests.byMethod.GET ?? 0);
    const emrCalls = f1.requests.total - f0.requests.total - 1; // less the stats read itself
    const delivered = o1.webhooks.delivered - o0.webhooks.delivered;
    const appts = delta('Appointment');
    if (appts !== made.created || delivered !== made.created) process.exitCode = 1;
    const perHook = (a: number, b: number) => ((b - a) / Math.max(1, rows.length)).toFixed(1);
    const pgLine = pg0 && pg1 ? [`  PostgreSQL per webhook (pg_stat_database, bench reads included): ${perHook(pg0.xacts, pg1.xacts)} transactions, ${perHook(pg0.inserted, pg1.inserted)} rows inserted, ${perHook(pg0.updated, pg1.updated)} updated`] : [];
    return [
      `webhook -> EMR write (${dialect}): ${made.created} appointments created in OnCall at ${RATE}/s (${made.seconds.toFixed(1)} s), OnCall and the FHIR EMR answering in ${LATENCY} ms`,
      `  webhooks delivered ${delivered}, stored ${rows.length}, ${Object.entries(byStatus).map(([s, n]) => `${s} ${n}`).join(', ')}; match reviews ${Number(reviews.n)}`,
      `  receipt -> EMR write (received_at -> processed_at): p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${lat.at(-1)} ms`,
      `  EMR creates: Appointment ${appts} for ${made.created} appointments (${appts === made.created ? 'exactly once' : 'NOT exactly once'}), Patient ${delta('Patient')} (one new participant each)`,
      `  of which waiting on partners (sum of the trace's call times): p50 ${pm[Math.floor(pm.length / 2)] ?? NaN} ms, p99 ${pm[Math.min(pm.length - 1, Math.floor(0.99 * pm.length))] ?? NaN} ms`,
      `  the engine's own time (the rest: queueing, database, CPU): p50 ${own[own.length >> 1] ?? NaN} ms, p99 ${own[Math.min(own.length - 1, Math.floor(0.99 * own.length))] ?? NaN} ms; engine cpu ${((cpu.user + cpu.system) / 1000 / Math.max(1, rows.length)).toFixed(1)} ms per webhook; one commit ${commitMs.toFixed(2)} ms`,
      `  partner calls, ms as the engine saw them: ${callLines.join('; ')}`,
      `  OnCall client's adaptive concurrency limit during the run (every 100 ms): min ${limits[0]}, median ${limits[limits.length >> 1]}, max ${limits.at(-1)}, at 1 ${((limits.filter((l) => l === 1).length / Math.max(1, limits.length)) * 100).toFixed(0)} % of the time`,
      ...pgLine,
      `  floor: ${((gets + emrCalls) / Math.max(1, rows.length)).toFixed(1)} partner calls one after the other x ${LATENCY} ms = ${(((gets + emrCalls) / Math.max(1, rows.length)) * LATENCY).toFixed(0)} ms`,
      `  per webhook: OnCall GETs ${(gets / Math.max(1, rows.length)).toFixed(2)}, EMR calls ${(emrCalls / Math.max(1, rows.length)).toFixed(2)} (${Object.entries(f1.requests.byInteraction).map(([k, v]) => `${k} ${v - (f0.requests.byInteraction[k] ?? 0)}`).filter((s) => !s.endsWith(' 0') && !s.startsWith('admin')).join(', ')})`,
    ];
  } finally {
    await engine?.close();
    await stopSandbox(sandbox.proc);
  }
}

if (values.part === 'intake' || values.part === 'both') console.log((await intake()).join('\n'));
if (values.part === 'e2e' || values.part === 'both') for (const d of DIALECTS) console.log((await endToEnd(d)).join('\n'));

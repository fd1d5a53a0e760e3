/**
 * MLLP ingest: messages per second stored and acknowledged by the engine's inbound listener
 * (parse, durable write in the message store, then the ACK), with 8 concurrent sender
 * connections each waiting for its ACK before the next message (original mode), compared in the
 * same run with:
 * - a raw MLLP echo server that ACKs without reading or storing anything (the limit);
 * - the listener's parse and ACK without storing (what the durable write costs on top).
 *
 *   node bin/run-ts.js bench/mllp-ingest.bench.ts [seconds=5] [connections=8] [rounds=2]
 *
 * The senders run in a child process (their own core, as a real EMR would be another machine);
 * the engine's CPU time per message is reported too (this process only), which holds when the
 * machine is shared. PostgreSQL: 127.0.0.1:5432 (EHR_BRIDGE_TEST_PG_URL), a fresh
 * database per run. Each target runs `rounds` times, alternating; the best round is reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import { MllpListener } from '../src/channels/mllp-listener/listener.js';
import { readArrival } from '../src/channels/mllp-listener/arrival.js';
import { buildInboundAck } from '../src/channels/hl7v2/inbound.js';
import { MessageStore } from '../src/messages/message-store.js';
import { mllpListenerSettings } from '../src/messages/settings.js';
import { createMllpServer } from '../src/mllp/server.js';
import { openStore, type Store } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { createPgDatabase } from '../test/helpers/stores.js';

const SECONDS = Number(process.argv[2] ?? 5);
const CONNECTIONS = Number(process.argv[3] ?? 8);
const ROUNDS = Number(process.argv[4] ?? 2);

/** The senders: plain JS in a child process. Each connection sends, waits for the ACK, sends again. */
const SENDER = `
const net = require('node:net');
const { port, connections, seconds, tag } = JSON.parse(process.env.SENDER_OPTIONS);
const VT = 0x0b, FS = 0x1c, CR = 0x0d;
function message(c, i) {
  const id = tag + c.toString(36) + 'x' + i.toString(36);
  const pid = 'MRN' + ((c * 7919 + i) % 50000);
  return Buffer.from([
    'MSH|^~\\\\&|EMR|CLINIC|EHRB|EHRB|20260101120000||ADT^A08^ADT_A01|' + id + '|P|2.5.1',
    'EVN|A08|20260101120000',
    'PID|1||' + pid + '^^^EMR^MR~' + (100000000 + i) + '^^^USSSA^SS||Doe' + (i % 97) + '^Jane^Q||19800101|F|||' + (i % 900) + ' Main St^^Springfield^IL^62701||^PRN^PH^^^555^' + (1000000 + i) + '|^WPN^PH^^^555^7654321|||||',
    'PV1|1|O|CLINIC^101^1||||1234^Smith^John^^^Dr',
  ].join('\\r') + '\\r');
}
let sent = 0, acked = 0, failed = 0;
const deadline = Date.now() + seconds * 1000;
const t0 = process.hrtime.bigint();
let open = connections;
for (let c = 0; c < connections; c++) {
  const s = net.connect(port, '127.0.0.1');
  s.setNoDelay(true);
  let i = 0, buf = Buffer.alloc(0);
  const next = () => {
    if (Date.now() >= deadline) { s.end(); return; }
    const m = message(c, i++);
    const f = Buffer.allocUnsafe(m.length + 3);
    f[0] = VT; m.copy(f, 1); f[m.length + 1] = FS; f[m.length + 2] = CR;
    sent++;
    s.write(f);
  };
  s.on('connect', next);
  s.on('data', (d) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    let end;
    while ((end = buf.indexOf(FS)) >= 0 && end + 1 < buf.length) {
      const ack = buf.subarray(buf.indexOf(VT) + 1, end).toString('latin1');
      buf = buf.subarray(end + 2);
      if (ack.includes('MSA|AA|')) acked++; else failed++;
      next();
    }
  });
  s.on('error', () => { failed++; });
  s.on('close', () => {
    if (--open === 0) {
      const secondsTaken = Number(process.hrtime.bigint() - t0) / 1e9;
      process.stdout.write(JSON.stringify({ sent, acked, failed, seconds: secondsTaken }));
    }
  });
}
`;

interface SendResult {
  sent: number;
  acked: number;
  failed: number;
  seconds: number;
}

function runSenders(port: number, tag: string): Promise<SendResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', SENDER], {
      env: { ...process.env, SENDER_OPTIONS: JSON.stringify({ port, connections: CONNECTIONS, seconds: SECONDS, tag }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as SendResult) : reject(new Error(`senders exited with ${code}`))));
  });
}

interface Target {
  name: string;
  start(): Promise<number>;
  stop(): Promise<void>;
  /** Rows in the store after the run (undefined: stores nothing). */
  stored?(): Promise<number>;
  extra?(): string;
}

/** ACKs every frame at once with a fixed AA carrying its MSH-10, nothing parsed or stored. */
function echoTarget(): Target {
  const server = createMllpServer({
    maxFrameBytes: 1024 * 1024,
    maxConnections: 200,
    onMessage: async (raw) => {
      const msh = raw.subarray(0, raw.indexOf(0x0d)).toString('latin1').split('|');
      return Buffer.from(`MSH|^~\\&|EHRB|EHRB|EMR|CLINIC|20260101120000||ACK^A08^ACK|A${msh[9]}|P|2.5.1\rMSA|AA|${msh[9]}\r`, 'latin1');
    },
  });
  return { name: 'raw MLLP echo (no parse, no store)', start: async () => (await server.listen(0)).port, stop: () => server.close() };
}

/** The listener's arrival read and ACK, without the store: what the durable write adds. */
function parseOnlyTarget(): Target {
  const server = createMllpServer({
    maxFrameBytes: 1024 * 1024,
    maxConnections: 200,
    onMessage: async (raw) => {
      const arrival = readArrival(raw);
      return buildInboundAck(arrival.kind === 'accepted' ? { ...arrival, events: [] } : arrival, raw);
    },
  });
  return { name: 'parse + ACK, no store', start: async () => (await server.listen(0)).port, stop: () => server.close() };
}

function engineTarget(name: string, open: () => Promise<{ store: Store; drop: () => Promise<void> }>): Target {
  let store: Store;
  let drop: () => Promise<void>;
  let listener: MllpListener;
  let messages: MessageStore;
  let commitMs = 0;
  return {
    name,
    async start() {
      ({ store, drop } = await open());
      await migrateToLatest(store);
      commitMs = await commitLatencyMs(store);
      messages = new MessageStore(store.db, store.dialect);
      listener = new MllpListener(mllpListenerSettings({}, { port: 0 }), { messages });
      return (await listener.start()).port;
    },
    async stop() {
      await listener.close();
      await store.close();
      await drop();
    },
    async stored() {
      const r = await store.db.selectFrom('messages').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    extra() {
      const s = messages.commitStats;
      // Little's law: CONNECTIONS messages in flight at most, each waiting for at least one
      // commit, so the commit latency alone bounds the rate (an fsync on PostgreSQL).
      return `${(s.items / Math.max(1, s.batches)).toFixed(1)} msg/commit; one commit ${commitMs.toFixed(2)} ms: <= ${Math.round((CONNECTIONS * 1000) / commitMs)} msg/s`;
    },
  };
}

/** Median time of a one-row commit on this database, before the run (its fsync on PostgreSQL). */
async function commitLatencyMs(store: Store): Promise<number> {
  await sql`create table bench_commit_probe (n integer)`.execute(store.db);
  const times: number[] = [];
  for (let i = 0; i < 31; i++) {
    const t0 = performance.now();
    await store.db.transaction().execute((trx) => sql`insert into bench_commit_probe (n) values (${i})`.execute(trx));
    times.push(performance.now() - t0);
  }
  await sql`drop table bench_commit_probe`.execute(store.db);
  return times.sort((a, b) => a - b)[15]!;
}

const dir = mkdtempSync(join(tmpdir(), 'ehrb-ingest-'));
let fileNo = 0;
const targets: Target[] = [
  echoTarget(),
  parseOnlyTarget(),
  engineTarget('engine, SQLite (WAL, group commit)', async () => ({ store: openStore(join(dir, `ingest-${fileNo++}.sqlite`)), drop: async () => undefined })),
  engineTarget('engine, PostgreSQL (group commit)', async () => {
    const { url, drop } = await createPgDatabase();
    return { store: openStore(url, { poolSize: 10 }), drop };
  }),
];

// BENCH_ONLY=sqlite (a part of a target's name) runs the echo server and that target only.
const only = process.env.BENCH_ONLY?.toLowerCase();
if (only) targets.splice(1, targets.length - 1, ...targets.slice(1).filter((t) => t.name.toLowerCase().includes(only)));

const best = new Map<string, { rate: number; result: SendResult; stored?: number; extra?: string; busyUs: number }>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, t] of targets.entries()) {
    const port = await t.start();
    const cpu0 = process.cpuUsage();
    const result = await runSenders(port, `R${round}T${i}`);
    const cpu = process.cpuUsage(cpu0);
    const stored = await t.stored?.();
    const extra = t.extra?.();
    await t.stop();
    if (result.failed > 0) throw new Error(`${t.name}: ${result.failed} messages not acknowledged AA`);
    if (stored !== undefined && stored !== result.acked) throw new Error(`${t.name}: ${result.acked} ACKed but ${stored} stored`);
    const rate = result.acked / result.seconds;
    const prev = best.get(t.name);
    // Time the engine's thread was busy per message: the cost, whatever the neighbours do.
    const busyUs = (cpu.user + cpu.system) / result.acked;
    if (!prev || rate > prev.rate) best.set(t.name, { rate, result, stored, extra, busyUs });
  }
}
rmSync(dir, { recursive: true, force: true });

const echo = best.get(targets[0]!.name)!.rate;
console.log(`MLLP ingest: ${CONNECTIONS} sender connections, one message in flight each (ACK awaited), ADT^A08 ~${Math.round(460)} bytes, ${SECONDS} s per run, best of ${ROUNDS}`);
for (const t of targets) {
  const b = best.get(t.name)!;
  const vs = ((b.rate / echo) * 100).toFixed(0);
  const stored = b.stored === undefined ? '' : `  stored ${b.stored} = ACKed`;
  console.log(`  ${t.name.padEnd(38)} ${b.rate.toFixed(0).padStart(7)} msg/s  ${vs.padStart(4)}% of echo  engine cpu ${b.busyUs.toFixed(0).padStart(4)} µs/msg${stored}${b.extra ? `  (${b.extra})` : ''}`);
}
console.log('  target: >= 5,000 msg/s and >= 50% of the echo server, on SQLite and on PostgreSQL');

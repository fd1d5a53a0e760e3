/**
 * Scale-out on PostgreSQL (issue 12), in one run on one machine:
 *   - the OnCall sandbox's capacity at 20 ms an answer: direct POST /contacts/ on as many
 *     connections as four engine processes open together (4 x ONCALL_CONCURRENCY = 32);
 *   - import throughput with 1, 2 and 4 `ehr-bridge serve` processes sharing one PostgreSQL
 *     database (compiled server, as `npm start` runs it; each process with its default settings:
 *     4 queue jobs and 8 OnCall requests at once), from "start" to "completed" by the run's own
 *     timestamps, and the share of the sandbox's capacity that is;
 *   - the time from a SIGKILL of one of two workers to the takeover of its work by the other:
 *     its jobs released, then its chunk leases held by the survivor; then the run completes with
 *     every row in OnCall exactly once.
 * Everything (sandbox, engine processes, PostgreSQL) shares this machine's cores.
 *
 *   node bin/run-ts.js bench/pg-workers.bench.ts [rows=4000] [deadAfterSeconds=60]
 *
 * The dead-after time defaults to the engine's own default (EHR_BRIDGE_WORKER_DEAD_AFTER_SECONDS),
 * so the takeover figure is what an operator gets without setting anything.
 *
 * Needs PostgreSQL on 127.0.0.1:5432 with trust auth (EHR_BRIDGE_TEST_PG_URL to change it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { Agent, request } from 'undici';
import { contactTemplate, fakePeople, PEOPLE_HEADER } from '../test/helpers/import-harness.js';
import { REPO_ROOT, startSandboxProcess } from '../test/helpers/processes.js';
import { createPgDatabase } from '../test/helpers/stores.js';

const ROWS = Number(process.argv[2] ?? 4000);
const DEAD_AFTER_SECONDS = Number(process.argv[3] ?? 60);
const WORKER_COUNTS = [1, 2, 4];
const LATENCY_MS = 20;
/** Set as ONCALL_CONCURRENCY (the adaptive client's ceiling) so each process opens at most this many at once. */
const PER_PROCESS_CONNECTIONS = 8;
const KEY = 'oncall-sandbox-key';

// The engine runs as `npm start` runs it: compiled to JavaScript (no TypeScript loader).
const build = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/build-server.js')], { cwd: REPO_ROOT, stdio: 'inherit' });
if (build.status !== 0) throw new Error('build:server failed');
const CLI = join(REPO_ROOT, 'dist/server/src/cli/main.js');

interface Proc {
  child: ChildProcess;
  output(): string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

function startCli(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    output: () => out,
    exited,
    async waitFor(re, timeoutMs = 60_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const m = out.match(re);
        if (m) return m;
        if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before printing ${re}:\n${out}`);
        if (Date.now() > end) throw new Error(`timed out waiting for ${re}:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs: number, what: string, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function contactBody(i: number, base: string) {
  return JSON.stringify({
    division: `${base}/divisions/1/`, provider: `${base}/providers/1/`, name: `Bench Person${i}`, first_name: 'Bench',
    last_name: `Person${i}`, email: `bench${i}@example.org`, custom_field_values: { '1': `cap-${i}` },
  });
}

/** POST /contacts/ as fast as `connections` keep-alive connections allow. */
async function capacity(base: string, n: number, connections: number): Promise<number> {
  const agent = new Agent({ connections, pipelining: 1 });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < n) {
        const i = next++;
        const res = await request(`${base}/contacts/`, { method: 'POST', dispatcher: agent, headers: { authorization: `Token ${KEY}`, 'content-type': 'application/json' }, body: contactBody(i, base) });
        await res.body.dump();
        if (res.statusCode !== 201) throw new Error(`capacity POST ${res.statusCode}`);
      }
    }),
  );
  const rate = n / ((performance.now() - t0) / 1000);
  await agent.close();
  return rate;
}

const { proc: sandboxProc, base: root } = await startSandboxProcess();
const oncall = `${root}/oncall`;
const sandboxAdmin = async (path: string, body?: unknown) => {
  const res = await fetch(`${oncall}/_admin/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.json() as Promise<Record<string, any>>;
};
const resetSandbox = async () => {
  await sandboxAdmin('reset', {});
  await sandboxAdmin('faults', { latencyMs: LATENCY_MS });
};

/** A fresh database, `n` serve processes started together on it, and an API key. */
async function cluster(n: number) {
  const database = await createPgDatabase();
  const env = {
    EHR_BRIDGE_DATABASE_URL: database.url,
    EHR_BRIDGE_ADMIN_PASSWORD: 'bench-password',
    EHR_BRIDGE_WORKER_DEAD_AFTER_SECONDS: String(DEAD_AFTER_SECONDS),
    EHR_BRIDGE_SANDBOXES: 'false',
    EHR_BRIDGE_EHR_MLLP_PORT: '0',
    ONCALL_BASE_URL: oncall,
    ONCALL_API_KEY: KEY,
    ONCALL_CONCURRENCY: String(PER_PROCESS_CONNECTIONS),
    PORT: '0',
  };
  const keyProc = startCli(['api-keys', 'create', '--name', 'bench'], env);
  await keyProc.exited;
  const key = keyProc.output().match(/key: (\S+)/)?.[1];
  if (!key) throw new Error(`api-keys create:\n${keyProc.output()}`);
  const procs: Proc[] = [];
  const servers = await Promise.all(
    Array.from({ length: n }, async () => {
      const p = startCli(['serve'], env);
      procs.push(p);
      return { p, url: (await p.waitFor(/web UI\s+(http:\/\/\S+?)\/\s/))[1]! };
    }),
  );
  const db = new pg.Pool({ connectionString: database.url, max: 2 });
  const api = async (url: string, path: string, init: RequestInit = {}) => {
    const res = await fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers ?? {}) } });
    const body = (await res.json()) as Record<string, any>;
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  const close = async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
    await db.end();
    await database.drop();
  };
  return { servers, db, api, close };
}

type Cluster = Awaited<ReturnType<typeof cluster>>;

/** Creates, stages and starts an import of ROWS contacts; returns its id. */
async function startImport(c: Cluster, url: string): Promise<string> {
  const json = { 'content-type': 'application/json' };
  const run = await c.api(url, '/api/imports', {
    method: 'POST', headers: json,
    body: JSON.stringify({ target: 'oncall', recordType: 'contacts', fileName: 'bench.csv', mapping: contactTemplate(), defaults: { division: '1', provider: '1' } }),
  });
  const csv = [PEOPLE_HEADER.join(','), ...fakePeople(ROWS).map((r) => r.join(','))].join('\n');
  const staged = await c.api(url, `/api/imports/${run.id}/file`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: csv });
  if (staged.totalRows !== ROWS || staged.invalidRows !== 0) throw new Error(`staging: ${JSON.stringify(staged)}`);
  await c.api(url, `/api/imports/${run.id}/start`, { method: 'POST', headers: json, body: '{}' });
  return String(run.id);
}

async function completed(c: Cluster, url: string, runId: string, timeoutMs = 600_000) {
  const run = await until(async () => {
    const s = await c.api(url, `/api/imports/${runId}`);
    if (s.status === 'failed' || s.status === 'cancelled') throw new Error(`run ended ${s.status}: ${s.error ?? ''}`);
    return s.status === 'completed' ? s : false;
  }, timeoutMs, 'the run to complete', 200);
  if (run.counts.created !== ROWS) throw new Error(`created ${run.counts.created} of ${ROWS}: ${JSON.stringify(run.counts)}`);
  return run;
}

/** Contacts in the sandbox, and how many distinct EMR ids they carry. */
async function oncallContacts(): Promise<{ contacts: number; distinct: number; posts: number }> {
  const stats = await sandboxAdmin('stats/');
  const ids = new Set<string>();
  let next: string | null = `${oncall}/contacts/?page_size=100`;
  while (next) {
    const page = (await (await fetch(next, { headers: { authorization: `Token ${KEY}` } })).json()) as { next: string | null; results: { custom_field_values: Record<string, string> }[] };
    for (const c of page.results) ids.add(c.custom_field_values['1']!);
    next = page.next;
  }
  return { contacts: stats.contacts as number, distinct: ids.size, posts: (stats.requests.byMethod?.POST as number | undefined) ?? 0 };
}

/** Pools (graphile-worker worker ids) that a process beats for. */
async function poolsOf(db: pg.Pool, pid: number): Promise<string[]> {
  return (await db.query<{ worker_id: string }>('select worker_id from queue_workers where pid = $1', [pid])).rows.map((r) => r.worker_id);
}

async function throughput(workers: number): Promise<{ seconds: number; rate: number }> {
  await resetSandbox();
  const c = await cluster(workers);
  try {
    const runId = await startImport(c, c.servers[0]!.url);
    const t0 = Date.now();
    const run = await completed(c, c.servers[0]!.url, runId);
    // The run's own timestamps (the database's clock) when it has them; else what we saw.
    const ms = run.startedAt && run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : Date.now() - t0;
    const { contacts } = await oncallContacts();
    if (contacts !== ROWS) throw new Error(`${contacts} contacts in OnCall, expected ${ROWS}`);
    return { seconds: ms / 1000, rate: ROWS / (ms / 1000) };
  } finally {
    await c.close();
  }
}

async function killTakeover() {
  await resetSandbox();
  const c = await cluster(2);
  try {
    const [survivor, victim] = c.servers as [Cluster['servers'][0], Cluster['servers'][0]];
    const victimPid = victim.p.child.pid!;
    const survivorPid = survivor.p.child.pid!;
    const runId = await startImport(c, survivor.url);
    const victimPools = await poolsOf(c.db, victimPid);
    // A quarter of the way in, with the victim holding at least one chunk.
    await until(async () => {
      const s = await c.api(survivor.url, `/api/imports/${runId}`);
      if (s.done < ROWS / 4) return false;
      return (await c.db.query('select 1 from graphile_worker.jobs where locked_by = any($1::text[])', [victimPools])).rowCount! > 0;
    }, 120_000, 'the victim to hold a chunk a quarter of the way in', 50);
    const held = (await c.db.query<{ name: string }>("select name from leases where pid = $1 and name like 'import:%'", [victimPid])).rows.map((r) => r.name);
    victim.p.child.kill('SIGKILL');
    const killedAt = Date.now();
    await victim.p.exited;
    const atKill = await c.api(survivor.url, `/api/imports/${runId}`);

    const released = await until(async () => {
      const r = await c.db.query('select 1 from graphile_worker.jobs where locked_by = any($1::text[])', [victimPools]);
      return r.rowCount === 0 ? Date.now() - killedAt : false;
    }, (DEAD_AFTER_SECONDS + 60) * 1000, 'the jobs of the killed worker to be released', 50);
    // Taken over: every chunk lease the victim held is now the survivor's (or its chunk is done).
    const takenOver = await until(async () => {
      const r = await c.db.query<{ n: string }>('select count(*)::text as n from leases where name = any($1::text[]) and pid <> $2', [held, survivorPid]);
      return r.rows[0]!.n === '0' ? Date.now() - killedAt : false;
    }, (DEAD_AFTER_SECONDS + 120) * 1000, 'the chunk leases of the killed worker to be taken over', 50);

    const run = await completed(c, survivor.url, runId);
    const total = Date.now() - killedAt;
    const once = await oncallContacts();
    return { atKill, released, takenOver, total, held: held.length, run, once };
  } finally {
    await c.close();
  }
}

try {
  console.log(`PostgreSQL workers: import of ${ROWS} contacts, OnCall sandbox (separate process) answering in ${LATENCY_MS} ms, ${new Date().toISOString()}`);
  await resetSandbox();
  await capacity(oncall, 1000, 32); // warm-up (JIT, sockets)
  await resetSandbox();
  const connections = PER_PROCESS_CONNECTIONS * Math.max(...WORKER_COUNTS);
  const cap = await capacity(oncall, 6000, connections);
  console.log(`\n  sandbox capacity: ${cap.toFixed(0)} POST/s on ${connections} connections (direct POSTs)`);
  console.log('\n  workers   OnCall connections   seconds     rows/s   % of capacity');
  for (const n of WORKER_COUNTS) {
    const t = await throughput(n);
    console.log(`  ${String(n).padStart(7)}   ${String(n * PER_PROCESS_CONNECTIONS).padStart(18)}   ${t.seconds.toFixed(1).padStart(7)}   ${t.rate.toFixed(0).padStart(8)}   ${((t.rate / cap) * 100).toFixed(0).padStart(12)}%`);
  }

  const k = await killTakeover();
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(`\n  kill -9 of one of two workers (EHR_BRIDGE_WORKER_DEAD_AFTER_SECONDS=${DEAD_AFTER_SECONDS}), at ${k.atKill.done} of ${ROWS} rows, holding ${k.held} chunk(s):`);
  console.log(`    its jobs released after            ${s(k.released)}`);
  console.log(`    its chunks taken over after        ${s(k.takenOver)}`);
  console.log(`    run completed after                ${s(k.total)} (created ${k.run.counts.created}, failed ${k.run.counts.failed})`);
  console.log(`    OnCall: ${k.once.contacts} contacts, ${k.once.distinct} distinct EMR ids, ${k.once.posts} POSTs (expected ${ROWS} each)`);
  if (k.once.contacts !== ROWS || k.once.distinct !== ROWS) process.exitCode = 1;
} finally {
  sandboxProc.kill();
}

/**
 * Bulk import throughput, end to end, against the OnCall sandbox running in its own process:
 *   (b) the sandbox's own capacity: POST /contacts/ as fast as keep-alive connections allow;
 *   (a) the naive client of the seed guide: one row at a time, awaiting each POST;
 *   the engine: `ehr-bridge import` of a 100,000-row CSV (parse, validate, stage, send, record).
 * All three in the same run on the same machine. Also the engine's peak RSS (VmHWM).
 *
 *   node bin/run-ts.js bench/import-contacts.bench.ts [rows=100000]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { REPO_ROOT, startSandboxProcess } from '../test/helpers/processes.js';

const ROWS = Number(process.argv[2] ?? 100_000);
// The engine runs as `npm start` runs it: compiled to JavaScript (no TypeScript loader).
const build = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/build-server.js')], { cwd: REPO_ROOT, stdio: 'inherit' });
if (build.status !== 0) throw new Error('build:server failed');
const CLI = join(REPO_ROOT, 'dist/server/src/cli/main.js');
const KEY = 'oncall-sandbox-key';
const dir = mkdtempSync(join(tmpdir(), 'ehrb-bench-'));

function contactBody(i: number, base: string) {
  return JSON.stringify({
    division: `${base}/divisions/1/`,
    provider: `${base}/providers/1/`,
    name: `Bench Person${i}`,
    first_name: 'Bench',
    last_name: `Person${i}`,
    email: `bench${i}@example.org`,
    custom_field_values: { '1': `cap-${i}` },
  });
}

async function capacity(base: string, n: number, concurrency: number): Promise<number> {
  const agent = new Agent({ connections: concurrency, pipelining: 1 });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
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

async function naive(base: string, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${base}/contacts/`, { method: 'POST', headers: { authorization: `Token ${KEY}`, 'content-type': 'application/json' }, body: contactBody(1_000_000 + i, base) });
    await res.arrayBuffer();
  }
  return n / ((performance.now() - t0) / 1000);
}

function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function engine(base: string, file: string, concurrency: number): Promise<{ rate: number; peakMb: number; out: string }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, 'import', file, '--type', 'contacts', '--division', '1', '--provider', '1', '--no-progress'], {
    env: {
      ...process.env,
      LOG_LEVEL: 'silent',
      ONCALL_BASE_URL: base,
      ONCALL_API_KEY: KEY,
      ONCALL_CONCURRENCY: String(concurrency),
      ONCALL_REQUESTS_PER_SECOND: '0',
      EHR_BRIDGE_DATABASE_URL: join(dir, 'bench.sqlite'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, peakRssMb(child.pid!))), 100);
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  clearInterval(timer);
  if (code !== 0) throw new Error(`engine import exited ${code}:\n${out}`);
  return { rate: ROWS / ((performance.now() - t0) / 1000), peakMb: peak, out };
}

const { proc, base: root } = await startSandboxProcess();
const base = `${root}/oncall`;
const admin = (path: string, body?: unknown) =>
  fetch(`${base}/_admin/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });

// Two settings: loopback as it is (everything CPU-bound on this machine's 2 cores), and a
// 20 ms answer time such as a real API over a network has (latency-bound, where concurrency
// and pipelining decide). The capacity is measured with the engine's own connection count.
const scenarios = [
  { latencyMs: 0, connections: 16 },
  { latencyMs: 20, connections: 32 },
];
try {
  const file = join(dir, 'contacts.csv');
  const lines = ['Patient ID,First Name,Last Name,DOB,Sex,Email'];
  for (let i = 0; i < ROWS; i++) lines.push(`P${i},Given${i % 977},Family${i % 1231},19${String(40 + (i % 60)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 9},${i % 2 ? 'M' : 'F'},p${i}@example.org`);
  writeFileSync(file, lines.join('\n'));
  await capacity(base, 2000, 16); // warm-up (JIT, sockets)
  const f = (n: number) => n.toFixed(0).padStart(8);
  console.log(`bulk import of ${ROWS} contacts into the OnCall sandbox (separate process), ${new Date().toISOString()}`);
  for (const sc of scenarios) {
    await admin('reset');
    await admin('faults', { latencyMs: sc.latencyMs });
    const cap = await capacity(base, sc.latencyMs ? 6000 : 20_000, sc.connections);
    await admin('reset');
    await admin('faults', { latencyMs: sc.latencyMs });
    const naiveRate = await naive(base, sc.latencyMs ? 300 : 2000);
    await admin('reset');
    await admin('faults', { latencyMs: sc.latencyMs });
    rmSync(join(dir, 'bench.sqlite'), { force: true });
    const eng = await engine(base, file, sc.connections);
    const stats = (await (await fetch(`${base}/_admin/stats`)).json()) as { contacts: number };
    console.log(`\n  partner answer time ${sc.latencyMs} ms, ${sc.connections} connections`);
    console.log(`  sandbox capacity (direct POSTs)    ${f(cap)} POST/s`);
    console.log(`  naive client (one awaited POST)    ${f(naiveRate)} rows/s`);
    console.log(`  ehr-bridge import, end to end      ${f(eng.rate)} rows/s   (${(eng.rate / naiveRate).toFixed(1)}x naive, ${((eng.rate / cap) * 100).toFixed(0)}% of capacity)`);
    console.log(`  engine peak RSS                    ${f(eng.peakMb)} MB`);
    console.log(`  contacts in the sandbox            ${f(stats.contacts)} (expected ${ROWS}); ${eng.out.trim().split('\n').pop()}`);
  }
} finally {
  proc.kill();
  rmSync(dir, { recursive: true, force: true });
}

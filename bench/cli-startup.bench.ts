/**
 * CLI start-up: how long `ehr-bridge --help` and `ehr-bridge import --help` take, from spawn to
 * exit, as a person feels it (the compiled CLI, plus the bin's few-millisecond check, timed apart). Median (and min/max) of N runs each, in the same run as:
 *   - `node -e ""`: Node's own start, the floor;
 *   - the same commands run from the TypeScript sources through tsx (EHR_BRIDGE_RUN_SOURCES=1),
 *     which is what every start cost before the CLI ran the compiled build.
 *
 *   node bin/run-ts.js bench/cli-startup.bench.ts [runs=15]
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/helpers/processes.js';
import { freshCompiledMain } from '../bin/compiled.js';

const RUNS = Number(process.argv[2] ?? 15);
const BIN = join(REPO_ROOT, 'bin/ehr-bridge.js');
// The compiled CLI, as bin/ehr-bridge.js runs it when the build is current. Timed directly, so a
// source saved elsewhere during the run (which sends bin/ehr-bridge.js to the sources) does not
// change what is measured; the bin's own check is timed on its own below.
const COMPILED = join(REPO_ROOT, 'dist/server/src/cli/main.js');

const build = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/build-server.js')], { cwd: REPO_ROOT, stdio: 'inherit' });
if (build.status !== 0) throw new Error('build:server failed');
if (!freshCompiledMain(REPO_ROOT)) throw new Error('dist/server is not current after the build (a source changed meanwhile?): run again');

interface Sample {
  wallMs: number;
  /** User + system CPU time of the child (from /usr/bin/time): steadier than wall time on a busy machine. */
  cpuMs: number;
}

function timeOnce(args: string[], env: Record<string, string> = {}): Sample {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const [user, sys] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { wallMs, cpuMs: ((user ?? 0) + (sys ?? 0)) * 1000 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const f = (n: number) => n.toFixed(0).padStart(6);

const cases: { label: string; args: string[]; env?: Record<string, string>; every: number }[] = [
  { label: 'node -e ""  (Node itself)', args: ['-e', ''], every: 1 },
  { label: 'ehr-bridge --help', args: [COMPILED, '--help'], every: 1 },
  { label: 'ehr-bridge import --help', args: [COMPILED, 'import', '--help'], every: 1 },
  // The sources through tsx take seconds: one run in three.
  { label: 'ehr-bridge --help, from sources (tsx)', args: [BIN, '--help'], env: { EHR_BRIDGE_RUN_SOURCES: '1' }, every: 3 },
  { label: 'ehr-bridge import --help, from sources', args: [BIN, 'import', '--help'], env: { EHR_BRIDGE_RUN_SOURCES: '1' }, every: 3 },
];

// Warm the file cache once for each path.
for (const c of cases) timeOnce(c.args, c.env);
// Round robin, so a burst of load elsewhere on the machine hits every case alike.
const samples = new Map<string, Sample[]>(cases.map((c) => [c.label, []]));
for (let i = 0; i < RUNS; i++) {
  for (const c of cases) if (i % c.every === 0) samples.get(c.label)!.push(timeOnce(c.args, c.env));
}

console.log(`CLI start-up, median of the runs (wall time from spawn to exit; CPU time user+system), ${new Date().toISOString()}`);
console.log(`  ${''.padEnd(42)}   wall ms   cpu ms   runs`);
const wall = new Map<string, number>();
const cpu = new Map<string, number>();
for (const c of cases) {
  const xs = samples.get(c.label)!;
  wall.set(c.label, median(xs.map((x) => x.wallMs)));
  cpu.set(c.label, median(xs.map((x) => x.cpuMs)));
  console.log(`  ${c.label.padEnd(42)}  ${f(wall.get(c.label)!)}   ${f(cpu.get(c.label)!)}   ${String(xs.length).padStart(4)}`);
}
const [floor, help, importHelp, fromSources] = cases.map((c) => c.label);
console.log(`\n  over Node's own start: --help ${f(wall.get(help!)! - wall.get(floor!)!)} ms wall, ${f(cpu.get(help!)! - cpu.get(floor!)!)} ms cpu; import --help ${f(wall.get(importHelp!)! - wall.get(floor!)!)} ms wall, ${f(cpu.get(importHelp!)! - cpu.get(floor!)!)} ms cpu`);
const checks: number[] = [];
for (let i = 0; i < 50; i++) {
  const t0 = performance.now();
  freshCompiledMain(REPO_ROOT);
  checks.push(performance.now() - t0);
}
console.log(`  bin/ehr-bridge.js's check that the build is current: ${median(checks).toFixed(1)} ms (median of 50)`);
console.log(`  --help is ${(wall.get(fromSources!)! / wall.get(help!)!).toFixed(1)}x faster (wall) than from the sources through tsx`);

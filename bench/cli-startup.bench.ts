/**
 * CLI start-up: how long `ehr-bridge --help` and `ehr-bridge import --help` take, from spawn to
 * exit, as a person feels it. Median (and min/max) of N runs each, in the same run as:
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

const build = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/build-server.js')], { cwd: REPO_ROOT, stdio: 'inherit' });
if (build.status !== 0) throw new Error('build:server failed');
if (!freshCompiledMain(REPO_ROOT)) throw new Error('dist/server is not current after the build (a source changed meanwhile?): run again');

function timeRuns(args: string[], runs: number, env: Record<string, string> = {}): number[] {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: 'ignore' });
    ms.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
  }
  return ms.sort((a, b) => a - b);
}

const median = (xs: number[]) => (xs.length % 2 ? xs[(xs.length - 1) / 2]! : (xs[xs.length / 2 - 1]! + xs[xs.length / 2]!) / 2);
const f = (n: number) => n.toFixed(0).padStart(6);

// Warm the file cache once for each path.
timeRuns([BIN, '--help'], 1);
timeRuns([BIN, '--help'], 1, { EHR_BRIDGE_RUN_SOURCES: '1' });

const cases: { label: string; args: string[]; env?: Record<string, string>; runs: number }[] = [
  { label: 'node -e ""  (Node itself)', args: ['-e', ''], runs: RUNS },
  { label: 'ehr-bridge --help', args: [BIN, '--help'], runs: RUNS },
  { label: 'ehr-bridge import --help', args: [BIN, 'import', '--help'], runs: RUNS },
  { label: 'ehr-bridge --help, from sources (tsx)', args: [BIN, '--help'], env: { EHR_BRIDGE_RUN_SOURCES: '1' }, runs: Math.max(3, Math.ceil(RUNS / 3)) },
  { label: 'ehr-bridge import --help, from sources', args: [BIN, 'import', '--help'], env: { EHR_BRIDGE_RUN_SOURCES: '1' }, runs: Math.max(3, Math.ceil(RUNS / 3)) },
];

console.log(`CLI start-up, ms from spawn to exit (median, min, max of the runs), ${new Date().toISOString()}`);
const results = new Map<string, number>();
for (const c of cases) {
  const ms = timeRuns(c.args, c.runs, c.env);
  results.set(c.label, median(ms));
  console.log(`  ${c.label.padEnd(42)} ${f(median(ms))}  (min ${f(ms[0]!)}, max ${f(ms[ms.length - 1]!)}, ${c.runs} runs)`);
}
const floor = results.get('node -e ""  (Node itself)')!;
const help = results.get('ehr-bridge --help')!;
const importHelp = results.get('ehr-bridge import --help')!;
const fromSources = results.get('ehr-bridge --help, from sources (tsx)')!;
console.log(`\n  --help costs ${f(help - floor)} ms over Node's own start; import --help ${f(importHelp - floor)} ms`);
console.log(`  --help is ${(fromSources / help).toFixed(1)}x faster than from the sources through tsx`);

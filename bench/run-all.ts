/**
 * Runs every benchmark one after the other (each in its own process, so one's memory and JIT
 * state do not colour the next) and lets each print its own figures.
 *   npm run bench
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const runner = join(here, '..', 'bin', 'run-ts.js');
let failed = 0;
for (const file of readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort()) {
  console.log(`\n=== ${file}`);
  const r = spawnSync(process.execPath, ['--expose-gc', runner, join(here, file)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);

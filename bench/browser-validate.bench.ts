/**
 * Browser-side validation speed, in the real browser against the real engine:
 * a generated patients file (100,000 rows by default, BENCH_ROWS to change) is chosen in the
 * wizard; we time file selection → first problem on screen, → every row read and checked
 * (quick check with the suggested matching), then the full check of step 4 with the final
 * matching. Long tasks on the page's main thread are recorded to show it never froze.
 *
 *   npm run build:web && node bin/run-ts.js bench/browser-validate.bench.ts
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/server/start.js';
import { chooseOption, launchChromium, signIn } from '../test/e2e/browser.js';
import { writePatientsCsv } from '../test/e2e/generate-csv.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'ehr-bridge-bench-'));
const file = await writePatientsCsv(join(dir, `patients-${ROWS}.csv`), ROWS, 1000);
const server = await startServer({
  port: 0, host: '127.0.0.1', databaseUrl: join(dir, 'engine.sqlite'), logLevel: 'warn', ehr: { sandboxMllpPort: 0 },
});
const browser = await launchChromium();

try {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await signIn(page, server.url, server.admin.user, server.adminPassword ?? '', '/imports/new');
  await page.getByRole('button', { name: 'Next' }).click();

  // Record main-thread long tasks (> 50 ms) from now on.
  await page.evaluate(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: false });
  });

  const t0 = performance.now();
  await page.getByLabel('Choose a CSV file').setInputFiles(file.path);
  await page.getByTestId('problem-row').first().waitFor({ timeout: 60_000 });
  const firstProblem = performance.now() - t0;
  await page.waitForFunction(
    () => document.querySelector('[data-testid="file-status"]')?.textContent?.startsWith('File read'),
    undefined,
    { timeout: 300_000, polling: 20 },
  );
  const allChecked = performance.now() - t0;
  const rowsRead = Number((await page.getByTestId('rows-read').innerText()).replace(/\D/g, ''));
  const invalid = Number((await page.getByTestId('quick-invalid-count').innerText()).replace(/\D/g, ''));
  const longTasks = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);

  // Step 3 → 4: the full check with the final matching (clinic and provider chosen).
  await page.getByRole('button', { name: 'Next' }).click();
  await chooseOption(page, 'Clinic (OnCall division)', 'Harbourside Family Clinic');
  await chooseOption(page, 'Provider', /Amelia Hart/);
  const t1 = performance.now();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByText('Problems found', { exact: true }).or(page.getByText('All lines look right')).waitFor({ timeout: 300_000 });
  const fullCheck = performance.now() - t1;
  const fullInvalid = Number((await page.getByTestId('browser-invalid-count').innerText()).replace(/\D/g, ''));

  const ms = (n: number) => `${Math.round(n)} ms`;
  console.log(`browser validation, ${ROWS.toLocaleString('en')} rows (${(statSync(file.path).size / 1e6).toFixed(1)} MB), chromium headless`);
  console.log(`  file chosen → first problem visible : ${ms(firstProblem)}`);
  console.log(`  file chosen → all rows read+checked : ${ms(allChecked)}  (${Math.round(rowsRead / (allChecked / 1000)).toLocaleString('en')} rows/s)`);
  console.log(`  step 4 full check (final matching)  : ${ms(fullCheck)}`);
  console.log(`  rows read ${rowsRead}, lines with problems ${invalid} (quick) / ${fullInvalid} (full), expected ${file.badLines.length}`);
  console.log(`  main-thread long tasks while reading: ${longTasks.length}, longest ${ms(Math.max(0, ...longTasks))}`);
  if (rowsRead !== ROWS || invalid !== file.badLines.length || fullInvalid !== file.badLines.length) {
    console.error('MISMATCH: counts differ from the generated file');
    process.exitCode = 1;
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}

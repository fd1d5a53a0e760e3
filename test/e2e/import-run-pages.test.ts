/**
 * Issue 7, items 6 and 7, in chromium at both screen sizes: the imports list shows every outcome
 * in the words of the run page and the report; the report downloads under the file's name and
 * the day, with the page's words; a run address that names no import says so, with the way back.
 * Needs `npm run build:web` first.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROW_STATUS_LABELS } from '../../src/flows/bulk-import/row-labels.js';
import { createApiKey } from '../../src/http/auth/api-keys.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { contactTemplate, fakePeople, PEOPLE_HEADER } from '../helpers/import-harness.js';
import { fitsTheScreen, launchChromium, poll, signIn, SIZES } from './browser.js';

let dir: string;
let server: RunningServer;
let browser: Browser;
let key: string;
/** Run ids by file name: one finished with lines left out, one of patients already there, one cancelled. */
const runs: Record<string, string> = {};

async function api(path: string, init: RequestInit = {}): Promise<Record<string, any>> {
  const res = await fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function stagedRun(fileName: string, rows: string[][]): Promise<string> {
  const run = await api('/api/imports', { method: 'POST', body: JSON.stringify({ target: 'oncall', recordType: 'contacts', fileName, mapping: contactTemplate(), defaults: { division: '1', provider: '1' } }) });
  const csv = [PEOPLE_HEADER.join(','), ...rows.map((r) => r.join(','))].join('\n');
  await api(`/api/imports/${run.id}/file`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: csv });
  return String(run.id);
}

async function finished(id: string): Promise<void> {
  await api(`/api/imports/${id}/start`, { method: 'POST', body: '{}' });
  // Set up before any test runs (expect.poll is for tests): wait for the run to end, then check.
  let status = '';
  for (let i = 0; i < 300 && status !== 'completed'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = String((await api(`/api/imports/${id}`)).status);
  }
  if (status !== 'completed') throw new Error(`the import ${id} did not complete (${status})`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ehrb-runpages-'));
  server = await startServer({ port: 0, host: '127.0.0.1', databaseUrl: join(dir, 'db.sqlite'), logLevel: 'warn', ehr: { sandboxMllpPort: 0 } });
  key = (await createApiKey(server.ctx.store.db, 'run-pages-e2e')).key;
  const people = fakePeople(5, 500);
  const withProblem = people.map((r) => [...r]);
  withProblem[2]![3] = 'not-an-email';
  runs['clinic patients.csv'] = await stagedRun('clinic patients.csv', withProblem);
  await finished(runs['clinic patients.csv']);
  runs['again.csv'] = await stagedRun('again.csv', people.filter((_, i) => i !== 2));
  await finished(runs['again.csv']);
  runs['stopped.csv'] = await stagedRun('stopped.csv', fakePeople(3, 900));
  await api(`/api/imports/${runs['stopped.csv']}/cancel`, { method: 'POST', body: '{}' });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The value shown under `label` for the import of `file`: a table cell on a laptop, a card's line on a phone. */
async function valueOf(table: Locator, file: string, label: string): Promise<string> {
  const row = table.getByRole('row').filter({ hasText: file });
  const headers = await table.locator('th').allInnerTexts();
  if (headers.length) return (await row.locator('td').nth(headers.indexOf(label)).innerText()).trim();
  const cell = row.getByRole('cell').filter({ hasText: new RegExp(`^${label}:`) });
  return (await cell.innerText()).replace(`${label}:`, '').trim();
}

describe.each(SIZES)('imports list and run addresses ($name, $width px)', (size) => {
  let page: Page;
  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: size.width, height: size.height }, acceptDownloads: true });
    await signIn(page, server.url, server.admin.user, server.adminPassword ?? '', '/imports');
  });
  afterAll(() => page?.close());

  it('shows every outcome of each import, in the report\'s words', async () => {
    await page.goto(`${server.url}/imports`);
    const table = page.getByRole('table', { name: 'Imports' });
    await poll(() => table.getByRole('row').filter({ hasText: 'stopped.csv' }).count()).toBe(1);
    const L = ROW_STATUS_LABELS;
    expect(await valueOf(table, 'clinic patients.csv', L.created)).toBe('4');
    expect(await valueOf(table, 'clinic patients.csv', L.invalid)).toBe('1');
    expect(await valueOf(table, 'again.csv', L.skipped)).toBe('4');
    expect(await valueOf(table, 'again.csv', L.created)).toBe('0');
    expect(await valueOf(table, 'stopped.csv', L.cancelled)).toBe('3');
    expect(await valueOf(table, 'stopped.csv', L.failed)).toBe('0');
    expect(await table.innerText()).not.toMatch(/\b(skipped|invalid|in_flight|failed)\b/);
    await fitsTheScreen(page);
  });

  it('downloads the report under the file\'s name and the day, in the page\'s words', async () => {
    await page.goto(`${server.url}/imports/${runs['clinic patients.csv']}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the report (CSV)' }).click()]);
    expect(download.suggestedFilename()).toBe(`clinic patients-report-${new Date().toISOString().slice(0, 10)}.csv`);
    const text = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
    const lines = text.trim().split(/\r?\n/);
    expect(lines[0]).toBe('line,result,EMR id,OnCall record,details');
    expect(lines.filter((l) => l.split(',')[1] === 'left out')).toHaveLength(1);
    expect(lines.filter((l) => l.split(',')[1] === 'created')).toHaveLength(4);
    // The page shows the same words for the same lines.
    expect(await page.locator('[data-testid="report-row"][data-status="invalid"]').innerText()).toContain(ROW_STATUS_LABELS.invalid);
  });

  it.each(['/imports/does-not-exist', '/imports/999999', '/imports/0b7f3a52-5f0e-4b8e-9d51-1b0c2a7d0c11'])('says that %s names no import, with a link back to the list', async (path) => {
    await page.goto(`${server.url}${path}`);
    const notFound = page.getByTestId('run-not-found');
    await poll(() => notFound.innerText()).toContain('This import does not exist');
    expect(await notFound.innerText()).toContain('There is no import at this address');
    await fitsTheScreen(page);
    await notFound.getByRole('link', { name: 'Back to the list of imports' }).click();
    await poll(() => new URL(page.url()).pathname).toBe('/imports');
    await page.getByRole('table', { name: 'Imports' }).waitFor();
  });
});

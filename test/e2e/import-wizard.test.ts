/**
 * The bulk-import wizard end to end, in a real browser against the real engine: the server
 * runs in-process (API, built UI from dist/web, OnCall sandbox under /sandbox, temporary
 * SQLite), chromium drives the UI as front-desk staff would. Needs `npm run build:web` first
 * (`npm test` runs it). Screenshots of every step land in test-results/import-wizard/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/start.js';
import { chooseOption, poll } from './browser.js';
import type { CspWatch } from './csp-watch.js';
import { startSignedInBrowser, type SignedInBrowser } from './signed-in-browser.js';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(here, 'fixtures');
const SHOTS = join(here, '../../test-results/import-wizard');
const SYNTHEA = join(FIXTURES, 'synthea-patients.csv');
const BAD = join(FIXTURES, 'bad-patients.csv');
const SYNTHEA_ROWS = readFileSync(SYNTHEA, 'utf8').trim().split('\n').length - 1;

let server: RunningServer;
let page: Page;
let csp: CspWatch;
let session: SignedInBrowser | undefined;

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const number = async (testId: string) => Number((await page.getByTestId(testId).first().innerText()).replace(/[^\d]/g, ''));

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  session = await startSignedInBrowser('ehr-bridge-e2e-', { acceptDownloads: true });
  ({ server, page, csp } = session);
});

afterAll(() => session?.close());

/** Steps 1 and 2: patients, then the file; waits until every line has been read. */
async function chooseFile(path: string, rows: number): Promise<void> {
  await page.goto(`${server.url}/imports/new`);
  await page.getByRole('radio', { name: 'Patients' }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel('Choose a CSV file').setInputFiles(path);
  await poll(() => page.getByTestId('file-status').innerText()).toMatch(/^File read/);
  expect(await number('rows-read')).toBe(rows);
}

describe('bulk-import wizard', () => {
  it('imports the Synthea patients export with the suggested matching, and reports every line', async () => {
    await page.goto(`${server.url}/imports/new`);
    await shot('1-what');
    await chooseFile(SYNTHEA, SYNTHEA_ROWS);
    await poll(() => page.getByRole('table', { name: 'First lines of your file' }).innerText()).toContain('BIRTHDATE');
    await shot('2-file');
    await page.getByRole('button', { name: 'Next' }).click();

    // Step 3: the suggestions already match the Synthea headers; only the clinic is chosen.
    await poll(() => page.getByRole('combobox', { name: 'Column for First name' }).inputValue()).toBe('FIRST');
    await poll(() => page.getByRole('combobox', { name: 'Column for Last name' }).inputValue()).toBe('LAST');
    await poll(() => page.getByRole('combobox', { name: 'Column for Date of birth' }).inputValue()).toBe('BIRTHDATE');
    await poll(() => page.getByRole('combobox', { name: 'Column for Sex' }).inputValue()).toBe('GENDER');
    await poll(() => page.getByRole('combobox', { name: 'Column for EMR id' }).inputValue()).toBe('Id');
    await poll(() => page.getByTestId('match-row-firstName').innerText()).toContain('Removes digits');
    await poll(() => page.getByTestId('example-sex').innerText()).toMatch(/^(male|female)$/);
    await chooseOption(page, 'Clinic (OnCall division)', 'Harbourside Family Clinic');
    await chooseOption(page, 'Provider', /Amelia Hart/);
    await shot('3-match');
    await page.getByRole('button', { name: 'Change how Sex is read' }).click();
    await poll(() => page.getByRole('table', { name: 'Preview of Sex' }).innerText()).toMatch(/\b[MF]\s+(male|female)\b/);
    await page.screenshot({ path: join(SHOTS, '3b-field-editor.png') });
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    // Save the matching as a template, then load it back.
    await page.getByRole('button', { name: 'Save this matching…' }).click();
    await page.getByRole('textbox', { name: 'Name' }).fill('Synthea patients');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await poll(() => page.getByRole('status').innerText()).toContain('Saved as “Synthea patients”');
    // Undo a match by hand, then get it back by loading the saved matching.
    await page.getByRole('combobox', { name: 'Column for Sex' }).hover();
    await page.getByTestId('match-row-sex').locator('.mantine-InputClearButton-root, [data-combobox-clear], button').first().click();
    await poll(() => page.getByRole('combobox', { name: 'Column for Sex' }).inputValue()).toBe('');
    await chooseOption(page, 'Saved matchings', 'Synthea patients');
    await poll(() => page.getByRole('combobox', { name: 'Column for Sex' }).inputValue()).toBe('GENDER');
    await page.getByRole('button', { name: 'Next' }).click();

    // Step 4: the browser check, then the server's.
    await page.getByText('All lines look right').or(page.getByText('Problems found', { exact: true })).waitFor({ timeout: 15_000 });
    const browserInvalid = await number('browser-invalid-count');
    await page.getByRole('button', { name: 'Send the file for the final check' }).click();
    await poll(() => number('server-total-rows').catch(() => -1), 30_000).toBe(SYNTHEA_ROWS);
    const invalid = await number('server-invalid-rows');
    const valid = SYNTHEA_ROWS - invalid;
    // The browser runs the same validator as the server: same verdict.
    expect(browserInvalid).toBe(invalid);
    await shot('4-check');
    await page.getByRole('button', { name: /^Import \d+ lines?/ }).click();

    // Run page: live progress until done; the URL names the run, so a reload keeps it.
    await page.waitForURL(/\/imports\/[0-9a-f-]{36}$/);
    await page.reload();
    await poll(() => page.getByTestId('run-status').getAttribute('data-status'), 90_000).toBe('completed');
    await shot('5-run');
    expect(await number('run-created')).toBe(valid);
    expect(await number('run-failed')).toBe(0);
    expect(await number('run-invalid')).toBe(invalid);

    // The sandbox holds exactly the imported patients.
    const stats = (await (await fetch(`${server.url}/sandbox/oncall/_admin/stats/`)).json()) as { contacts: number };
    expect(stats.contacts).toBe(valid);

    // Report: filter, OnCall links, CSV download with one line per file line.
    // SegmentedControl radios are visually hidden: click their label, as a person would.
    await page.locator('label').filter({ hasText: /^Created \(\d+\)$/ }).click();
    await poll(() => page.getByTestId('report-row').first().getAttribute('data-status')).toBe('created');
    // The OnCall record opens in the page (the engine reads it from OnCall), not as the API address.
    await poll(() => page.getByTestId('report-row').first().getByTestId('oncall-record-link').innerText()).toMatch(/^contacts\/\d+$/);
    await shot('6-report');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download the report (CSV)' }).click(),
    ]);
    const report = readFileSync(await download.path(), 'utf8').trim().split(/\r?\n/);
    expect(report.length).toBe(SYNTHEA_ROWS + 1);
    expect(report.filter((l) => /,created,/.test(l)).length).toBe(valid);
  });

  it('shows the invalid e-mail and the duplicate id of a bad file with their line numbers', async () => {
    await chooseFile(BAD, 5);
    // The quick check already names the problems, seconds after the file was chosen.
    await page.getByRole('table', { name: 'First problems found' }).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('combobox', { name: 'Saved matchings' }).click();
    await page.getByRole('option', { name: 'Synthea patients' }).waitFor();
    await page.keyboard.press('Escape');
    await poll(() => page.getByRole('combobox', { name: 'Column for E-mail' }).inputValue()).toBe('EMAIL');
    await chooseOption(page, 'Clinic (OnCall division)', 'Harbourside Family Clinic');
    await chooseOption(page, 'Provider', /Omar Haddad/);
    await page.getByRole('button', { name: 'Next' }).click();

    const browserTable = page.getByRole('table', { name: 'Problems found in your browser' });
    await poll(() => browserTable.getByTestId('problem-row').count()).toBe(2);
    await poll(() => browserTable.locator('[data-line="3"]').innerText()).toContain('not a valid e-mail address');
    await poll(() => browserTable.locator('[data-line="5"]').innerText()).toContain('already used on line 2');

    await page.getByRole('button', { name: 'Send the file for the final check' }).click();
    await poll(() => number('server-invalid-rows').catch(() => -1), 30_000).toBe(2);
    const serverTable = page.getByRole('table', { name: 'Problems found by the server' });
    await poll(() => serverTable.locator('[data-line="3"]').innerText()).toContain('E-mail');
    await poll(() => serverTable.locator('[data-line="3"]').innerText()).toContain('Correct the e-mail address');
    await poll(() => serverTable.locator('[data-line="5"]').innerText()).toContain('already used on line 2');
    await poll(() => page.getByRole('button', { name: 'Import 3 lines, leave out 2' }).isEnabled()).toBe(true);
    await shot('7-bad-file');
  });

  it('runs under the engine\'s Content-Security-Policy without a single violation', () => {
    expect(csp.violations).toEqual([]);
  });
});

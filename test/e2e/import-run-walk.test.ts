/**
 * Issue 7's done-when walk, in chromium at both screen sizes: the Synthea file is imported into
 * the embedded engine's OnCall sandbox, slowed down so the run can be watched. The page says
 * what the run prepares with numbers ("Looking for patients already in OnCall: 100 of 300"),
 * then "Sending: …"; it is paused, resumed, reloaded and cancelled, and at each step the page
 * says so in words; the line-by-line report follows the run live; a cancelled run reads
 * "X of Y sent, Z cancelled" with a bar that is not all green; an OnCall record opens in the
 * page. Needs `npm run build:web` first.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/http/auth/api-keys.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { fitsTheScreen, launchChromium, poll, signIn, SIZES } from './browser.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'synthea-patients.csv');
const MAPPING = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'mappings', 'synthea-patients-contacts.json'), 'utf8')) as Record<string, unknown>;
/** Patients already in OnCall before the import: the scan has pages of 100 to look through. */
const SEEDED = 300;

let dir: string;
let server: RunningServer;
let browser: Browser;
let key: string;

async function api(path: string, init: RequestInit = {}): Promise<Record<string, any>> {
  const res = await fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}
async function sandbox(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${server.url}/sandbox/oncall/_admin/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.ok).toBe(true);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ehrb-runwalk-'));
  server = await startServer({ port: 0, host: '127.0.0.1', databaseUrl: join(dir, 'db.sqlite'), logLevel: 'warn', ehr: { sandboxMllpPort: 0 } });
  key = (await createApiKey(server.ctx.store.db, 'run-walk-e2e')).key;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const headline = (page: Page) => page.getByTestId('run-headline').innerText();
const status = (page: Page) => page.getByTestId('run-status').getAttribute('data-status');
const count = (text: string) => Number(text.replace(/[^\d]/g, ''));

describe('an import run, watched from start to cancel', () => {
  it.each(SIZES)('prepares, sends, pauses, resumes, survives a reload and is cancelled ($name, $width px)', async (size) => {
    // The same OnCall for each size: a fresh sandbox with patients already there, answering slowly.
    await sandbox('reset/', {});
    await sandbox('seed/', { contacts: SEEDED });
    const oncallCount = ((await (await fetch(`${server.url}/sandbox/oncall/contacts/?page_size=1`, { headers: { authorization: 'Token oncall-sandbox-key' } })).json()) as { count: number }).count;
    expect(oncallCount).toBeGreaterThanOrEqual(SEEDED);
    await sandbox('faults/', { latencyMs: 700 });

    const run = await api('/api/imports', { method: 'POST', body: JSON.stringify({ target: 'oncall', recordType: 'contacts', fileName: 'synthea-patients.csv', mapping: MAPPING, defaults: { division: '1', provider: '1' } }) });
    const id = String(run.id);
    const staged = await api(`/api/imports/${id}/file`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: readFileSync(FIXTURE) });
    const toSend = Number(staged.totalRows) - Number(staged.invalidRows);
    expect(toSend).toBeGreaterThan(500);

    const page = await browser.newPage({ viewport: { width: size.width, height: size.height } });
    await signIn(page, server.url, server.admin.user, server.adminPassword ?? '', `/imports/${id}`);
    await page.getByRole('button', { name: 'Start the import' }).click();

    // 1. Preparing: what it looks for, with OnCall's own count, then sending.
    await poll(() => headline(page), 20_000).toMatch(new RegExp(`^Looking for patients already in OnCall: \\d+ of ${oncallCount.toLocaleString('en')}$`));
    const checked = count((await headline(page)).split(':')[1]!.split(' of ')[0]!);
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(oncallCount);
    await fitsTheScreen(page);
    await poll(() => headline(page), 30_000).toMatch(new RegExp(`^Sending: [1-9][\\d,]* of ${toSend.toLocaleString('en')} lines done$`));

    // The line-by-line report follows the run live: created lines show up while it runs.
    await poll(() => page.locator('[data-testid="report-row"][data-status="created"]').count(), 20_000).toBeGreaterThan(0);
    expect(await status(page)).toBe('running');

    // 2. Pause.
    await page.getByRole('button', { name: 'Pause' }).click();
    await poll(() => status(page)).toBe('paused');
    await poll(() => headline(page)).toMatch(/^Paused: [\d,]+ of [\d,]+ lines done$/);
    await expect(page.getByTestId('run-paused-note').innerText()).resolves.toContain('nothing is being sent');
    expect(await page.getByTestId('run-eta').innerText()).toBe('–');
    await fitsTheScreen(page);

    // 3. Resume, then a reload: the page comes back to the same running import.
    await page.getByRole('button', { name: 'Resume' }).click();
    await poll(() => status(page)).toBe('running');
    await poll(() => headline(page)).toMatch(/^Sending: /);
    await page.reload();
    await poll(() => status(page)).toBe('running');
    await poll(() => headline(page)).toMatch(/^Sending: [\d,]+ of [\d,]+ lines done$/);
    await poll(() => page.locator('[data-testid="report-row"]').count()).toBeGreaterThan(0);
    // Once it has been sending for a while, a time-left estimate shows.
    await poll(() => page.getByTestId('run-eta').innerText(), 40_000).toMatch(/^about \d+ (s|min)/);

    // 4. Cancel: lines sent stay, the others are cancelled, and the page says both numbers.
    await page.getByRole('button', { name: 'Cancel import' }).click();
    await page.getByRole('button', { name: 'Cancel the import' }).click();
    await poll(() => status(page)).toBe('cancelled');
    await sandbox('faults/', { latencyMs: 0 });
    // Lines that were on their way when it was cancelled settle first.
    await poll(() => headline(page), 30_000).toMatch(new RegExp(`^[\\d,]+ of ${toSend.toLocaleString('en')} sent, [\\d,]+ cancelled$`));
    const [sent, cancelled] = (await headline(page)).match(/\d[\d,]*/g)!.filter((_, i) => i !== 1).map(count);
    expect(sent! + cancelled!).toBe(toSend);
    expect(sent).toBeGreaterThan(0);
    expect(cancelled).toBeGreaterThan(0);
    const end = await api(`/api/imports/${id}`);
    expect({ sent: end.done, cancelled: end.counts.cancelled }).toEqual({ sent, cancelled });
    // The bar is not a full green 100 %: the cancelled lines are their own grey part.
    const bar = (await page.getByTestId('run-bar').boundingBox())!;
    const green = (await page.locator('[data-testid="run-bar"] [data-part="sent"]').boundingBox())!;
    const grey = (await page.locator('[data-testid="run-bar"] [data-part="cancelled"]').boundingBox())!;
    expect(green.width).toBeLessThan(bar.width - 1);
    expect(grey.width).toBeGreaterThan(0);
    expect(await page.getByTestId('run-finished').innerText()).toContain(`${cancelled!.toLocaleString('en')} cancelled`);

    // The report is right at the end without a reload: no line still waiting or being sent.
    await poll(() => page.locator('[data-testid="report-row"][data-status="pending"], [data-testid="report-row"][data-status="in_flight"]').count()).toBe(0);
    await page.getByText(new RegExp(`^Cancelled \\(${cancelled!.toLocaleString('en')}\\)$`)).click();
    await poll(() => page.locator('[data-testid="report-row"][data-status="cancelled"]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="report-row"]:not([data-status="cancelled"])').count()).toBe(0);
    await fitsTheScreen(page);

    // 5. An OnCall record opens in the page, with plain labels.
    await page.getByText(/^All \(/).click();
    await page.getByTestId('oncall-record-link').first().click();
    const dialog = page.getByRole('dialog');
    await poll(() => dialog.innerText()).toMatch(/Patient in OnCall: /);
    await expect(dialog.getByTestId('oncall-record').innerText()).resolves.toMatch(/First name[\s\S]*Date of birth/);
    await fitsTheScreen(page);
    await page.keyboard.press('Escape');
    await page.close();
  }, 180_000);
});

/**
 * The Reconciliation page in a real browser against the real engine and its embedded sandboxes
 * (issue 9): a contact planted in the OnCall sandbox with another e-mail than its EMR patient
 * shows as "Different" with the owner in words; Push after a confirmation writes the EMR's
 * value to OnCall, and the next comparison finds it in sync. On a laptop (1366 px) and a phone
 * (390 px), within the screen, with no serious axe-core finding. Needs `npm run build:web` first.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ONCALL_SANDBOX_API_KEY } from '../../src/sandboxes/oncall/plugin.js';
import { axeViolations, fitsTheScreen, poll, signIn, SIZES } from './browser.js';
import { startSignedInBrowser, type SignedInBrowser } from './signed-in-browser.js';

const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '../../test-results/reconcile-page');

let b: SignedInBrowser;
let contactUrl: string;
let emrId: string;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // No scan in the background: the planted contact must stay as planted until the page acts.
  process.env.EHR_BRIDGE_ONCALL_SCAN_EVERY = 'off';
  b = await startSignedInBrowser('ehrb-reconcile-page-');
  const base = b.server.url;
  const bundle = (await (await fetch(`${base}/sandbox/fhir-emr/Patient?_count=1`)).json()) as { entry: Array<{ resource: { id: string; name?: Array<{ given?: string[]; family?: string }> } }> };
  const patient = bundle.entry[0]!.resource;
  emrId = patient.id;
  const oncall = `${base}/sandbox/oncall`;
  // The EMR id in the contact's custom field joins the two; only the e-mail is planted wrong.
  const emr = (await (await fetch(`${base}/sandbox/fhir-emr/Patient/${emrId}`)).json()) as {
    name: Array<{ use?: string; given?: string[]; family?: string }>;
    birthDate?: string;
    gender?: string;
    telecom?: Array<{ system: string; value: string }>;
  };
  const name = emr.name.find((n) => n.use === 'official') ?? emr.name[0]!;
  const res = await fetch(`${oncall}/contacts/`, {
    method: 'POST',
    headers: { authorization: `Token ${DEFAULT_ONCALL_SANDBOX_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      division: `${oncall}/divisions/1/`,
      provider: `${oncall}/providers/1/`,
      name: `${name.given?.join(' ')} ${name.family}`,
      first_name: name.given?.join(' '),
      last_name: name.family,
      email: 'planted.difference@example.com',
      ...(emr.telecom?.find((t) => t.system === 'phone') ? { phone: emr.telecom.find((t) => t.system === 'phone')!.value } : {}),
      sex: emr.gender === 'male' ? 'male' : emr.gender === 'female' ? 'female' : 'Unknown',
      ...(emr.birthDate ? { date_of_birth: emr.birthDate } : {}),
      custom_field_values: { '1': emrId },
    }),
  });
  expect(res.status).toBe(201);
  contactUrl = ((await res.json()) as { url: string }).url;
}, 120_000);

afterAll(async () => {
  await b?.close();
});

const findings = (page: Page) => page.getByRole('table', { name: 'Findings', exact: true });
const summary = (page: Page) => page.getByTestId('run-summary');

async function compare(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Start a comparison' }).click();
  await poll(() => summary(page).getAttribute('data-status'), 60_000).toBe('done');
}

describe('the Reconciliation page on a laptop', () => {
  it('shows a planted difference with its owner and pushes the fix once, after a confirmation', async () => {
    const { page } = b;
    await page.goto(`${b.server.url}/imports`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reconciliation' }).click();
    await page.getByRole('heading', { level: 1, name: 'Reconciliation' }).waitFor();
    await poll(() => page.title()).toBe('Reconciliation · ehr-bridge');

    await compare(page);
    await poll(() => page.getByTestId('count-different').innerText()).toMatch(/Different\s+1/);
    await page.getByTestId('count-different').click();
    await poll(() => findings(page).locator('[data-testid="finding"]').count()).toBe(1);
    const row = findings(page).locator('[data-testid="finding"][data-kind="different"]');
    const text = await row.innerText();
    expect(text).toContain('Different');
    expect(text).toContain(emrId);
    expect(text).toMatch(/E-mail.*EMR .*OnCall planted\.difference@example\.com/s);
    expect(text).toContain('the EMR owns it');
    // No internal code on the page.
    expect(await page.locator('main').innerText()).not.toMatch(/missing-in-|in-sync|emr-id|\bpatient\.email\b/);
    await page.screenshot({ path: join(SHOTS, 'laptop-different.png'), fullPage: true });
    await fitsTheScreen(page);
    expect(await axeViolations(page)).toEqual([]);

    // The report as a file, the same as the CLI writes.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the differences (CSV)' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^reconciliation-contacts-\d{4}-\d{2}-\d{2}\.csv$/);

    await row.getByRole('button', { name: 'Push' }).click();
    const dialog = page.getByRole('dialog');
    await poll(() => dialog.innerText()).toContain('E-mail: the EMR owns it, so OnCall gets');
    await dialog.getByRole('button', { name: 'Push' }).click();
    await poll(() => row.innerText()).toContain('Pushed');
    const contact = (await (await fetch(contactUrl, { headers: { authorization: `Token ${DEFAULT_ONCALL_SANDBOX_API_KEY}` } })).json()) as { email: string | null };
    expect(contact.email).not.toBe('planted.difference@example.com');

    await compare(page);
    await poll(() => page.getByTestId('count-different').innerText()).toMatch(/Different\s+0/);
  }, 180_000);
});

describe('the Reconciliation page on a phone', () => {
  it('shows the counts and the findings as cards within the screen, and the Link dialog', async () => {
    const phone = SIZES.find((s) => s.name === 'phone')!;
    const context = await b.page.context().browser()!.newContext({ viewport: { width: phone.width, height: phone.height } });
    const page = await context.newPage();
    try {
      await signIn(page, b.server.url, b.server.admin.user, b.server.adminPassword ?? '', '/reconcile');
      await page.goto(`${b.server.url}/reconcile`);
      await page.getByRole('heading', { level: 1, name: 'Reconciliation' }).waitFor();
      // The last comparison of this engine is shown at once.
      await poll(() => summary(page).getAttribute('data-status')).toBe('done');
      await page.getByTestId('count-missing-in-oncall').click();
      await poll(() => findings(page).locator('[data-testid="finding"]').count()).toBeGreaterThan(0);
      // Cards, not a <table>.
      expect(await findings(page).evaluate((el) => el.tagName)).toBe('DIV');
      await fitsTheScreen(page);
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: join(SHOTS, 'phone-missing.png') });

      // 50 a page: the next page and back.
      const cards = findings(page).locator('[data-testid="finding"]');
      await poll(() => cards.count()).toBe(50);
      const first = await cards.first().innerText();
      await page.getByRole('button', { name: 'Next page' }).click();
      await poll(() => cards.first().innerText()).not.toBe(first);
      await page.getByRole('button', { name: 'Previous page' }).click();
      await poll(() => cards.first().innerText()).toBe(first);

      await findings(page).locator('[data-testid="finding"]').first().getByRole('button', { name: 'Link' }).click();
      const dialog = page.getByRole('dialog', { name: 'Link two records' });
      await dialog.waitFor();
      expect(await dialog.getByRole('button', { name: 'Link them' }).isDisabled()).toBe(true);
      await fitsTheScreen(page);
      await page.screenshot({ path: join(SHOTS, 'phone-link.png'), fullPage: true });
      await dialog.getByRole('button', { name: 'Keep them apart' }).click();
      await poll(() => dialog.isVisible()).toBe(false);
    } finally {
      await context.close();
    }
  }, 120_000);
});

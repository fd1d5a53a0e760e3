/**
 * "Waiting for a person" on the Reconciliation page in a real browser against a real engine with
 * the sync back on (issue 9: "an uncertain match is never merged silently: it waits for a person
 * in the reconciliation page"). An EMR patient and a new OnCall contact alike but for the e-mail
 * make a possible match; the page says it in words with the candidate's name and birth date; Link
 * (laptop, 1366 px) and Create (phone, 390 px), each after a confirmation, remove the row, say
 * what happened and reach the EMR. Within the screen, no serious axe finding, no internal code.
 * Needs `npm run build:web` first.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTIFIER_SYSTEMS } from '../../src/domain/identifiers.js';
import { startSyncServer, type SyncServer } from '../helpers/sync-server.js';
import { until } from '../helpers/until.js';
import { axeViolations, fitsTheScreen, launchChromium, poll, signIn, SIZES } from './browser.js';

const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '../../test-results/reconcile-reviews');
const PASSWORD = 'correct horse battery';

let h: SyncServer;
let browser: Browser;
let emr: string;

const byOncallUrl = async (url: string): Promise<Patient[]> => {
  const res = await fetch(`${emr}/Patient?identifier=${encodeURIComponent(`${IDENTIFIER_SYSTEMS.oncallUrl}|${url}`)}`);
  return ((await res.json()) as Bundle).entry?.map((e) => e.resource as Patient) ?? [];
};

/** An EMR patient, and an OnCall contact with the same name and birth date but another e-mail, found by a scan. */
async function possibleMatch(given: string, family: string, birthDate: string): Promise<{ emrId: string; contactUrl: string }> {
  const res = await fetch(`${emr}/Patient`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify({ resourceType: 'Patient', name: [{ family, given: [given] }], birthDate, telecom: [{ system: 'email', value: `${given.toLowerCase()}.emr@example.org` }] }),
  });
  expect(res.status).toBe(201);
  const emrId = ((await res.json()) as Patient).id!;
  const [division] = await h.client.listDivisions();
  const [provider] = await h.client.listProviders();
  const contact = await h.client.createContact({
    name: `${given} ${family}`, first_name: given, last_name: family, email: `${given.toLowerCase()}.oncall@example.org`, date_of_birth: birthDate, division: division!.url, provider: provider!.url,
  } as never);
  await h.server.sync.scan!.scan('contacts');
  await h.idle();
  await until(async () => ((await h.server.ctx.store.db.selectFrom('sync_reviews').select('id').where('platform_id', '=', contact.url).where('status', '=', 'open').executeTakeFirst()) ? true : undefined), 30_000, 'the review');
  return { emrId, contactUrl: contact.url };
}

async function openPage(width: number, height: number): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  await signIn(page, h.server.url, h.server.admin.user, PASSWORD, '/reconcile');
  await page.goto(`${h.server.url}/reconcile`);
  await page.getByRole('heading', { level: 1, name: 'Reconciliation' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Waiting for a person' }).waitFor();
  return { page, close: () => context.close() };
}

const reviewOf = (page: Page, family: string) => page.getByTestId('review').filter({ hasText: family });

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  h = await startSyncServer('sqlite', { back: true }, { EHR_BRIDGE_ONCALL_SCAN_EVERY: 'off' });
  emr = `${h.server.ctx.engineUrl}/sandbox/fhir-emr`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('match reviews on the Reconciliation page', () => {
  it('on a laptop: says the possible match in words and links it after a confirmation', async () => {
    const { emrId, contactUrl } = await possibleMatch('Theodora', 'Wrenfield', '1958-07-21');
    const laptop = SIZES.find((s) => s.name === 'laptop')!;
    const { page, close } = await openPage(laptop.width, laptop.height);
    try {
      const review = reviewOf(page, 'Wrenfield');
      await poll(() => review.count()).toBe(1);
      const text = await review.innerText();
      expect(text).toContain('An OnCall contact may be an EMR patient already: same name and birth date, different e-mail.');
      expect(text).toContain(`Theodora Wrenfield, born 1958-07-21 (EMR patient ${emrId})`);
      // No internal code on the page: no raw field names, statuses or URLs.
      expect(await page.locator('main').innerText()).not.toMatch(/\bemail\b|birthDate|\bopen\b|https?:\/\//);
      await fitsTheScreen(page);
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: join(SHOTS, 'laptop-review.png'), fullPage: true });

      await review.getByRole('button', { name: `Link to EMR patient ${emrId}` }).click();
      const dialog = page.getByRole('dialog');
      await poll(() => dialog.innerText()).toContain('are the same person');
      await dialog.getByRole('button', { name: 'Link' }).click();
      await poll(() => page.getByRole('status').innerText()).toContain(`is now linked to EMR patient ${emrId}`);
      await poll(() => review.count()).toBe(0);

      const link = await h.server.ctx.store.db.selectFrom('links').select('target_id').where('kind', '=', 'patient').where('source_system', '=', 'oncall').where('source_id', '=', contactUrl).executeTakeFirst();
      expect(link?.target_id).toBe(emrId);
      await h.idle();
      expect(await byOncallUrl(contactUrl)).toHaveLength(0);
    } finally {
      await close();
    }
  }, 120_000);

  it('on a phone: the review fits the screen, and Create makes one new EMR patient after a confirmation', async () => {
    const { contactUrl } = await possibleMatch('Casimir', 'Oakhollow', '1982-01-09');
    const phone = SIZES.find((s) => s.name === 'phone')!;
    const { page, close } = await openPage(phone.width, phone.height);
    try {
      const review = reviewOf(page, 'Oakhollow');
      await poll(() => review.count()).toBe(1);
      await fitsTheScreen(page);
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: join(SHOTS, 'phone-review.png'), fullPage: true });

      // Backing out writes nothing.
      await review.getByRole('button', { name: 'Ignore' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Keep it' }).click();
      await poll(() => page.getByRole('dialog').count()).toBe(0);
      expect(await review.count()).toBe(1);

      await review.getByRole('button', { name: 'Create a new EMR patient' }).click();
      const dialog = page.getByRole('dialog');
      await poll(() => dialog.innerText()).toContain('a new EMR patient is created');
      await fitsTheScreen(page);
      await dialog.getByRole('button', { name: 'Create it' }).click();
      await poll(() => page.getByRole('status').innerText()).toContain('A new EMR patient is being created');
      await poll(() => review.count()).toBe(0);
      await until(async () => ((await byOncallUrl(contactUrl)).length ? true : undefined), 30_000, 'the new EMR patient');
      await h.idle();
      expect(await byOncallUrl(contactUrl)).toHaveLength(1);
    } finally {
      await close();
    }
  }, 120_000);
});

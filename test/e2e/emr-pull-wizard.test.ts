/**
 * Issue 13 in a real browser: the wizard pulls the embedded sandbox EMR's appointments with a
 * matching a person changes (follow-ups become video visits), checks them on the server before
 * anything is sent, then imports them. Needs `npm run build:web` first (`npm test` runs it).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/start.js';
import { chooseOption, fitsTheScreen, poll, SIZES } from './browser.js';
import type { CspWatch } from './csp-watch.js';
import { startSignedInBrowser, type SignedInBrowser } from './signed-in-browser.js';

const here = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(here, '../../test-results/emr-pull-wizard');

describe.each(SIZES)('bulk-import wizard: pull from the EMR ($name, $width px)', (size) => {
  let server: RunningServer;
  let page: Page;
  let csp: CspWatch;
  let session: SignedInBrowser | undefined;

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${size.name}-${name}.png`), fullPage: true });
  const number = async (testId: string) => Number((await page.getByTestId(testId).first().innerText()).replace(/[^\d]/g, ''));

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    session = await startSignedInBrowser('ehr-bridge-e2e-emr-', { viewport: { width: size.width, height: size.height } });
    ({ server, page, csp } = session);
  });

  afterAll(() => session?.close());

  it('pulls the EMR appointments with a changed matching, says which lack an e-mail, then imports every one with the front desk\'s address for them', async () => {
    await page.goto(`${server.url}/imports/new`);
    await page.getByRole('radio', { name: 'Pull from the EMR' }).check();
    await poll(() => page.getByTestId('emr-record-type').innerText()).toContain('Appointments are pulled from the EMR');
    await page.getByRole('button', { name: 'Next' }).click();

    await poll(() => page.getByTestId('emr-status').innerText()).toMatch(/Read 20 sample appointments/);
    await poll(() => page.getByRole('table', { name: 'First appointments in the EMR' }).innerText()).toMatch(/ROUTINE|FOLLOWUP|CHECKUP/);
    await shot('1-emr');
    await page.getByRole('button', { name: 'Next' }).click();

    // The suggested matching reads the FHIR fields; the person makes follow-ups video visits.
    await poll(() => page.getByRole('combobox', { name: 'Column for Type' }).inputValue()).toBe('appointmentType');
    await poll(() => page.getByRole('combobox', { name: 'Column for Title' }).inputValue()).toBe('description');
    await chooseOption(page, 'Clinic (OnCall division)', 'Harbourside Family Clinic');
    await page.getByRole('button', { name: 'Change how Type is read' }).click();
    const dialog = page.getByRole('dialog');
    await poll(() => dialog.getByRole('textbox', { name: 'Value in the file 3' }).inputValue()).toBe('FOLLOWUP');
    await dialog.getByRole('textbox', { name: 'Value sent 3' }).fill('online');
    await dialog.getByRole('button', { name: 'Apply' }).click();
    await shot('2-match');
    await page.getByRole('button', { name: 'Next' }).click();

    // Before anything is sent: how many, and which lack what OnCall requires. No provider was
    // chosen, so the provider's address cannot stand in for patients without an e-mail.
    await poll(() => page.getByTestId('emr-email-fallback-hint').innerText()).toContain('No provider is chosen for this import');
    await page.getByRole('button', { name: 'Pull from the EMR and check' }).click();
    await poll(() => number('emr-total-rows').catch(() => -1), 60_000).toBeGreaterThan(1000);
    const total = await number('emr-total-rows');
    const withoutEmail = await number('emr-invalid-rows');
    expect(withoutEmail).toBeGreaterThan(300); // the sandbox EMR gives 55 % of its patients an e-mail
    await poll(() => page.getByRole('table', { name: 'Appointments with problems' }).innerText()).toContain('e-mail');
    await shot('3-check');
    await fitsTheScreen(page);

    // The front desk's address stands in: every appointment will be created, and the page says
    // how many use it. An address that is not one cannot be sent.
    await chooseOption(page, 'When a patient has no e-mail', 'Use this address');
    await page.getByRole('textbox', { name: 'Address to use' }).fill('frontdesk@');
    await poll(() => page.getByRole('button', { name: 'Pull from the EMR and check' }).isDisabled()).toBe(true);
    await page.getByRole('textbox', { name: 'Address to use' }).fill('frontdesk@harbourside.example');
    await page.getByRole('button', { name: 'Pull from the EMR and check' }).click();
    await poll(() => page.getByTestId('emr-fallback-rows').innerText().catch(() => ''), 60_000)
      .toBe(`${withoutEmail.toLocaleString('en')} appointments use the address you gave: the patient has no e-mail in the EMR.`);
    expect(await number('emr-invalid-rows')).toBe(0);
    const valid = await number('emr-valid-rows');
    expect(valid).toBe(total);
    const before = (await (await fetch(`${server.url}/sandbox/oncall/_admin/stats`)).json()) as { appointments: number };
    expect(before.appointments).toBe(0);
    await shot('4-check-with-address');
    await fitsTheScreen(page);

    await page.getByRole('button', { name: /^Import [\d,]+ appointments/ }).click();
    await page.waitForURL(/\/imports\/[0-9a-f-]{36}$/);
    await poll(() => page.getByTestId('run-status').getAttribute('data-status'), 180_000).toBe('completed');
    expect(await number('run-created')).toBe(valid);

    // What OnCall received: follow-ups as video visits, the other codes in person; the patients
    // without an e-mail as participants with the front desk's address.
    const res = await fetch(`${server.url}/sandbox/oncall/appointments/?page_size=100`, { headers: { authorization: 'Token oncall-sandbox-key' } });
    const body = (await res.json()) as { count: number; results: { type: string; title: string; participants: { email: string }[] }[] };
    expect(body.count).toBe(valid);
    for (const a of body.results) expect(a.type).toBe(/follow-up/i.test(a.title) ? 'online' : 'inperson');
    expect(body.results.some((a) => a.participants[0]!.email === 'frontdesk@harbourside.example')).toBe(true);
    expect(csp.violations).toEqual([]);
  }, 300_000); // two pulls of 1,084 appointments and an import, in a browser, on a shared machine
});

/**
 * Issue 6, item 18 in the wizard: patients of the file that already live in another clinic are
 * shown before the run, left where they are by default, and moved only when the box is ticked.
 * Real browser, real engine with its OnCall sandbox; needs `npm run build:web` first.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/start.js';
import { chooseOption, fitsTheScreen, poll, SIZES } from './browser.js';
import { startSignedInBrowser, type SignedInBrowser } from './signed-in-browser.js';

describe.each(SIZES)('wizard: patients already in another clinic ($name, $width px)', (size) => {
  let session: SignedInBrowser | undefined;
  let server: RunningServer;
  let page: Page;
  let csv: string;

  const PEOPLE = [
    ['c-1', 'Ann', 'Lee', 'ann.lee@example.org'],
    ['c-2', 'Bob', 'Ray', 'bob.ray@example.org'],
    ['c-3', 'Cy', 'Doe', 'cy.doe@example.org'],
  ];

  const sandbox = async (path: string, body?: unknown) => {
    const res = await fetch(`${server.url}/sandbox/oncall/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: 'Token oncall-sandbox-key', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.status).toBeLessThan(300);
    return res.json() as Promise<any>;
  };
  const divisions = async () => {
    const list = await sandbox('contacts/?page_size=100');
    return (list.results as { division: string }[]).map((c) => /\/divisions\/\d+\//.exec(c.division)![0]);
  };

  beforeAll(async () => {
    session = await startSignedInBrowser('ehr-bridge-e2e-clinic-', { viewport: { width: size.width, height: size.height } });
    ({ server, page } = session);
    // The three patients are already in clinic 1 (Harbourside), EMR id in its field 1.
    for (const [id, first, last, email] of PEOPLE) {
      await sandbox('contacts/', { division: `${server.url}/sandbox/oncall/divisions/1/`, provider: `${server.url}/sandbox/oncall/providers/1/`, first_name: first, last_name: last, email, custom_field_values: { 1: id } });
    }
    csv = join(session.dir, 'patients.csv');
    writeFileSync(csv, `Patient ID,First Name,Last Name,Email\n${PEOPLE.map((p) => p.join(',')).join('\n')}\n`);
  });

  afterAll(() => session?.close());

  async function checkInVirtualCare(): Promise<void> {
    await page.goto(`${server.url}/imports/new`);
    await page.getByRole('radio', { name: 'Patients' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Choose a CSV file').setInputFiles(csv);
    await poll(() => page.getByTestId('file-status').innerText()).toMatch(/^File read/);
    await page.getByRole('button', { name: 'Next' }).click();
    await chooseOption(page, 'Clinic (OnCall division)', 'Virtual Care');
    await chooseOption(page, 'Provider', /Amelia Hart/);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Send the file for the final check' }).click();
    await poll(() => page.getByTestId('other-clinic-notice').innerText(), 30_000).toContain('3 patients are already in another clinic');
  }

  it('leaves them where they are unless the box is ticked', async () => {
    await checkInVirtualCare();
    expect(await page.getByTestId('other-clinic-notice').innerText()).toContain('They will be left where they are');
    await fitsTheScreen(page);
    await page.getByRole('button', { name: /^Import 3 lines/ }).click();
    await poll(() => page.getByTestId('run-status').getAttribute('data-status'), 60_000).toBe('completed');
    await poll(() => page.getByTestId('run-skipped').innerText()).toBe('3');
    expect(await divisions()).toEqual(['/divisions/1/', '/divisions/1/', '/divisions/1/']);

    await checkInVirtualCare();
    await page.getByTestId('move-between-clinics').check();
    expect(await page.getByTestId('other-clinic-notice').innerText()).toContain('They will be moved into this clinic');
    await page.getByRole('button', { name: /^Import 3 lines/ }).click();
    await poll(() => page.getByTestId('run-status').getAttribute('data-status'), 60_000).toBe('completed');
    await poll(() => page.getByTestId('run-updated').innerText()).toBe('3');
    expect(await divisions()).toEqual(['/divisions/2/', '/divisions/2/', '/divisions/2/']);
  });
});

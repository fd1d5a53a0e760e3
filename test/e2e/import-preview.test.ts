/**
 * Issue 7 in the wizard, before the run: the preview of what will change in OnCall, problems
 * people can act on (who, which field, which value, what to do; corrected in place and checked
 * again; or downloaded as the lines to fix), saved matchings that bring back their choices,
 * empty files said in words, and "leave existing patients as they are" by default.
 * Real chromium, real engine with its OnCall sandbox, at both sizes; needs `npm run build:web`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/start.js';
import { chooseOption, fitsTheScreen, poll, SIZES } from './browser.js';
import { startSignedInBrowser, type SignedInBrowser } from './signed-in-browser.js';

describe.each(SIZES)('wizard: preview and problems before the run ($name, $width px)', (size) => {
  let session: SignedInBrowser | undefined;
  let server: RunningServer;
  let page: Page;
  const file = (name: string) => join(session!.dir, name);

  const sandbox = async (path: string, body?: unknown) => {
    const res = await fetch(`${server.url}/sandbox/oncall/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: 'Token oncall-sandbox-key', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.status).toBeLessThan(300);
    return res.json() as Promise<any>;
  };

  beforeAll(async () => {
    session = await startSignedInBrowser('ehr-bridge-e2e-preview-', { viewport: { width: size.width, height: size.height }, acceptDownloads: true });
    ({ server, page } = session);
    // Already in clinic 1 (Harbourside): Ann as in the file, Bob with another e-mail.
    for (const [id, first, last, email] of [['p-1', 'Ann', 'Lee', 'ann.lee@example.org'], ['p-2', 'Bob', 'Ray', 'bob.old@example.org']]) {
      await sandbox('contacts/', { division: `${server.url}/sandbox/oncall/divisions/1/`, provider: `${server.url}/sandbox/oncall/providers/1/`, first_name: first, last_name: last, email, date_of_birth: '1980-01-01', custom_field_values: { 1: id } });
    }
    writeFileSync(
      file('patients.csv'),
      [
        'Patient ID,First Name,Last Name,Email,DOB',
        'p-1,Ann,Lee,ann.lee@example.org,1980-01-01',
        'p-2,Bob,Ray,bob.new@example.org,1980-01-01',
        'p-3,Cy,Doe,cy.doe@example.org,1975-06-15',
        'p-4,Eve,Stone,eve.stone@example.org,1980-02-30',
        'p-5,Fay,Moss,fay.moss(at)example.org,1991-03-03',
      ].join('\n') + '\n',
    );
    writeFileSync(file('empty.csv'), '');
    writeFileSync(file('header-only.csv'), 'Patient ID,First Name,Last Name,Email\n');
  });

  afterAll(() => session?.close());

  async function chooseFile(name: string) {
    await page.goto(`${server.url}/imports/new`);
    await page.getByRole('radio', { name: 'Patients' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Choose a CSV file').setInputFiles(file(name));
  }

  async function toCheckStep() {
    await chooseFile('patients.csv');
    await poll(() => page.getByTestId('file-status').innerText()).toMatch(/^File read/);
    await page.getByRole('button', { name: 'Next' }).click();
    await chooseOption(page, 'Clinic (OnCall division)', 'Harbourside');
    await chooseOption(page, 'Provider', /Amelia Hart/);
  }

  it('leaves patients already in OnCall as they are by default, and says so', async () => {
    await toCheckStep();
    expect(await page.getByRole('radio', { name: 'Leave it as it is (default)' }).isChecked()).toBe(true);
    expect(await page.getByTestId('update-existing').innerText()).toContain('Patients already in OnCall are left as they are unless you choose "Update existing".');
    await fitsTheScreen(page);
  });

  it('lists each problem with the patient, the field, the value and what to do, then previews the changes exactly', async () => {
    await toCheckStep();
    await page.getByRole('button', { name: 'Next' }).click();
    await poll(() => page.getByTestId('browser-invalid-count').innerText()).toBe('2');
    const table = page.getByRole('table', { name: 'Problems found in your browser' });
    const eve = table.locator('[data-testid="problem-row"][data-line="5"]');
    expect(await eve.getByTestId('problem-who').innerText()).toBe('Eve Stone · EMR id p-4');
    expect(await eve.getByTestId('problem-field').innerText()).toBe('Date of birth');
    expect(await eve.getByTestId('problem-fix').inputValue()).toBe('1980-02-30');
    expect(await eve.innerText()).toMatch(/does not exist/);
    expect(await table.innerText()).not.toMatch(/birthDate|\bemail\b is/);

    await page.getByRole('button', { name: 'Send the file for the final check' }).click();
    await poll(() => page.getByTestId('preview-create').innerText(), 30_000).toBe('1');
    expect(await page.getByTestId('preview-unchanged').innerText()).toBe('1');
    expect(await page.getByTestId('preview-notUpdated').innerText()).toBe('1');
    expect(await page.getByTestId('preview-update').innerText()).toBe('0');
    expect(await page.getByTestId('preview-leftOut').innerText()).toBe('2');
    expect(await page.getByTestId('preview-fields-notUpdated').innerText()).toContain('E-mail: 1 line');
    expect(await page.getByTestId('preview-samples-notUpdated').innerText()).toContain('Line 3 · Bob Ray, EMR id p-2 — E-mail → bob.new@example.org');
    expect(await page.getByTestId('preview-samples-create').innerText()).toContain('Line 4 · Cy Doe, EMR id p-3');
    expect(await page.getByTestId('preview-not-updated-note').innerText()).toContain('Update existing');
    expect(await page.getByRole('button', { name: 'Fix the file and choose it again' }).count()).toBe(1);
    await fitsTheScreen(page);
  });

  it('downloads only the lines to fix, with a problem column and a name that says what it is', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-lines-to-fix').click()]);
    expect(download.suggestedFilename()).toBe('patients - lines to fix.csv');
    const text = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
    const lines = text.trim().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('Patient ID,First Name,Last Name,Email,DOB,problem');
    expect(lines[1]).toMatch(/^p-4,Eve,Stone,eve.stone@example.org,1980-02-30,"?Line 5 – Date of birth: /);
    expect(lines[2]).toMatch(/^p-5,Fay,Moss,fay.moss\(at\)example.org,1991-03-03,"?Line 6 – E-mail: /);
  });

  it('corrects the bad cells in place, checks the corrected file again, and then has nothing to fix', async () => {
    const table = page.getByRole('table', { name: 'Problems found in your browser' });
    await table.locator('[data-testid="problem-row"][data-line="5"]').getByTestId('problem-fix').fill('1980-02-28');
    await table.locator('[data-testid="problem-row"][data-line="6"]').getByTestId('problem-fix').fill('fay.moss@example.org');
    await page.getByRole('button', { name: 'Check again with 2 corrections' }).click();
    await poll(() => page.getByTestId('browser-invalid-count').innerText(), 30_000).toBe('0');
    // The server checks the corrected file again, from scratch.
    await page.getByRole('button', { name: 'Send the file for the final check' }).click();
    await poll(() => page.getByTestId('server-invalid-rows').innerText(), 30_000).toBe('0');
    await poll(() => page.getByTestId('preview-create').innerText(), 30_000).toBe('3');
    expect(await page.getByTestId('preview-leftOut').innerText()).toBe('0');
    expect(await page.getByRole('button', { name: 'Fix the file and choose it again' }).count()).toBe(0);
    await fitsTheScreen(page);
  });

  it('a saved matching brings back its clinic, provider and "update existing" choice, and shows it is in use', async () => {
    const name = `Front desk ${size.name}`;
    await toCheckStep();
    await page.getByRole('radio', { name: /^Update existing/ }).check();
    await page.getByRole('button', { name: 'Save this matching…' }).click();
    await page.getByRole('textbox', { name: 'Name' }).fill(name);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await poll(() => page.getByRole('status').filter({ hasText: 'Saved as' }).count()).toBe(1);

    await chooseFile('patients.csv');
    await poll(() => page.getByTestId('file-status').innerText()).toMatch(/^File read/);
    await page.getByRole('button', { name: 'Next' }).click();
    expect(await page.getByRole('radio', { name: 'Leave it as it is (default)' }).isChecked()).toBe(true);
    await chooseOption(page, 'Saved matchings', name);
    await poll(() => page.getByRole('combobox', { name: 'Saved matchings' }).inputValue()).toBe(name);
    await poll(() => page.getByRole('textbox', { name: 'Clinic (OnCall division)' }).or(page.getByRole('combobox', { name: 'Clinic (OnCall division)' })).first().inputValue()).toBe('Harbourside Family Clinic');
    expect(await page.getByRole('combobox', { name: 'Provider' }).inputValue()).toMatch(/Amelia Hart/);
    expect(await page.getByRole('radio', { name: /^Update existing/ }).isChecked()).toBe(true);
    await fitsTheScreen(page);
  });

  it('says a 0-byte file and a header-only file are empty, in plain words, and offers no next step', async () => {
    await chooseFile('empty.csv');
    await poll(() => page.getByTestId('file-empty').innerText()).toContain('The file is empty');
    expect(await page.getByTestId('file-empty').innerText()).toContain('0 bytes');
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    expect(await page.getByText('header but no lines').count()).toBe(0);
    await fitsTheScreen(page);

    await chooseFile('header-only.csv');
    await poll(() => page.getByTestId('file-header-only').innerText()).toContain('only its header line');
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    expect(await page.getByText('Every line passed').count()).toBe(0);
    await fitsTheScreen(page);
  });
});

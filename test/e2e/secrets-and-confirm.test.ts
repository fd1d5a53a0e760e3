/**
 * Secrets shown once and the one confirmation style, in a real browser against the real engine
 * (issue 7): an API key and an OAuth client secret are created on their pages and copied with
 * their Copy button (the clipboard holds the exact secret); revoking asks in a modal, where
 * "Keep it" changes nothing and the confirm button revokes (the key is refused at once). The
 * file drop area of the wizard is reached and opened from the keyboard. Needs `npm run build:web`.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileChooser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poll } from './browser.js';
import { startSignedInBrowser, type SignedInBrowser } from './signed-in-browser.js';

const SYNTHEA = join(fileURLToPath(new URL('.', import.meta.url)), '../fixtures/synthea-patients.csv');

let b: SignedInBrowser;

beforeAll(async () => {
  b = await startSignedInBrowser('ehrb-secrets-', { permissions: ['clipboard-read', 'clipboard-write'] });
}, 120_000);
afterAll(() => b?.close());

const clipboard = () => b.page.evaluate(() => navigator.clipboard.readText());
const keyWorks = async (key: string) => (await fetch(`${b.server.url}/api/imports`, { headers: { authorization: `Bearer ${key}` } })).status;

describe('secrets shown once, and confirming in a modal', () => {
  it('creates an API key, copies it, and revokes it only once confirmed', async () => {
    const { page } = b;
    await page.goto(`${b.server.url}/api-keys`);
    await page.getByRole('textbox', { name: 'What it is for' }).fill('nightly export');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByTestId('new-api-key');
    await poll(() => shown.innerText()).toMatch(/^ehrb_/);
    const key = await shown.innerText();

    await page.getByRole('button', { name: 'Copy the api key' }).click();
    await poll(clipboard).toBe(key);
    await poll(() => page.getByRole('button', { name: 'Copy the api key' }).innerText()).toBe('Copied');
    expect(await keyWorks(key)).toBe(200);

    // "Keep it" closes the question and changes nothing.
    await page.getByRole('button', { name: 'Revoke the key nightly export' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke the key nightly export?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Keep it' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await keyWorks(key)).toBe(200);

    await page.getByRole('button', { name: 'Revoke the key nightly export' }).click();
    await dialog.getByRole('button', { name: 'Revoke the key' }).click();
    await poll(() => page.getByRole('table', { name: 'API keys' }).innerText()).toContain('Revoked');
    expect(await keyWorks(key)).toBe(401);
    // The key is never shown again, even after a reload.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    expect(await page.locator('body').innerText()).not.toContain(key);
  });

  it('creates an OAuth client, copies its id and secret, and revokes it in the modal', async () => {
    const { page } = b;
    await page.goto(`${b.server.url}/clients`);
    await page.getByRole('textbox', { name: 'Application name' }).fill('lab app');
    await page.getByRole('button', { name: 'Create client' }).click();
    const secret = page.getByTestId('new-client-secret');
    await poll(() => secret.innerText()).not.toBe('');
    await page.getByRole('button', { name: 'Copy the client secret' }).click();
    await poll(clipboard).toBe(await secret.innerText());
    await page.getByRole('button', { name: 'Copy the client id' }).click();
    await poll(clipboard).toBe(await page.getByTestId('new-client-id').innerText());

    await page.getByRole('button', { name: 'Revoke the client lab app' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke the client lab app?' });
    await dialog.getByRole('button', { name: 'Revoke the client' }).click();
    await poll(() => page.getByRole('table', { name: 'API clients' }).innerText()).toContain('Revoked');
    expect(b.csp.violations).toEqual([]);
  });

  it('opens the file chooser from the keyboard on the drop area', async () => {
    const { page } = b;
    // Listening from the start: chromium intercepts file choosers only once a listener is on.
    const choosers: FileChooser[] = [];
    page.on('filechooser', (c) => choosers.push(c));
    await page.goto(`${b.server.url}/imports/new`);
    await page.getByRole('radio', { name: 'Patients' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    const drop = page.getByRole('button', { name: /^Choose the CSV file/ });
    await drop.waitFor();
    // In the tab order: Tab from the element before it lands on it.
    expect(await drop.getAttribute('tabindex')).toBe('0');
    await drop.focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    expect(await drop.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await poll(() => choosers.length).toBe(1);
    await choosers[0]!.setFiles(SYNTHEA);
    await poll(() => page.getByTestId('file-status').innerText()).toMatch(/^File read/);
    // Once a file is chosen, the button to take another is named for what it does.
    await page.getByRole('button', { name: 'Choose another file' }).waitFor();
  });
});

/**
 * The documents and API-clients pages in a real browser against the real engine: a document
 * sent through the Lifen-compatible FHIR API shows up with its delivery, the message as sent
 * (base64 elided) and its status; an API client can be created from the page (secret shown once).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePdf, parameters, startEngine, type EngineHarness } from '../../src/flows/send-to-ehr/test-helpers/engine-harness.js';
import { launchChromium, poll, signIn } from './browser.js';
import { watchCsp, type CspWatch } from './csp-watch.js';

const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '../../test-results/documents');
let h: EngineHarness;
let browser: Browser;
let page: Page;
let csp: CspWatch;
const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  h = await startEngine('sqlite');
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
  csp = watchCsp(page);
  await signIn(page, h.url, 'admin', 'correct horse battery');
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('documents and API clients pages', () => {
  it('lists a delivered document and shows its message with the document elided', async () => {
    const { patient, encounter } = await h.patientWithEncounter();
    const pdf = await makePdf('browser test');
    const sent = await h.sendToEhr(parameters({ patientId: patient.id!, encounterId: encounter.id!, payload: pdf, title: 'Compte rendu' }));
    expect(sent.status).toBe(200);
    const tracking = sent.body.parameter.find((p: { name: string }) => p.name === 'tracking-url').valueString;
    await h.waitForStatus(tracking, ['completed']);

    await page.getByRole('link', { name: 'Documents' }).click();
    await poll(() => page.locator('body').innerText()).toContain('Compte rendu');
    await poll(() => page.locator('body').innerText()).toMatch(/completed|Delivered/i);
    await shot('1-documents');
    await page.getByRole('table').getByRole('link').first().click();
    await poll(() => page.locator('body').innerText()).toContain('ORU^R01');
    const text = await page.locator('body').innerText();
    expect(text).not.toContain(pdf.toString('base64').slice(0, 200));
    await shot('2-document');
  });

  it('creates an API client and shows its secret once', async () => {
    await page.getByRole('link', { name: 'API clients' }).click();
    await poll(() => page.locator('body').innerText()).toContain('test-app');
    await shot('3-clients');
  });

  it('runs under the engine\'s Content-Security-Policy without a single violation', () => {
    expect(csp.violations).toEqual([]);
  });
});

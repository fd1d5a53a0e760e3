/**
 * Every page of the web UI, in a real browser, on a laptop (1366x900) and a phone (390x844),
 * with real data behind it (an import that ran against the OnCall sandbox, a document delivered
 * to the sandbox EHR, an API key, an OAuth client). On each page: exactly one h1, the tab title
 * "<Page> · ehr-bridge", nothing wider than the screen, on a phone the navigation behind the
 * Menu button (a drawer) and tables shown as cards, no "serious" or "critical" axe-core
 * violation, and no Content-Security-Policy violation. Needs `npm run build:web` first.
 * Screenshots land in test-results/every-page/.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePdf, parameters, startEngine, type EngineHarness } from '../../src/flows/send-to-ehr/test-helpers/engine-harness.js';
import { createApiKey } from '../../src/http/auth/api-keys.js';
import { contactTemplate, fakePeople, PEOPLE_HEADER } from '../helpers/import-harness.js';
import { axeViolations, fitsTheScreen, launchChromium, poll, signIn, SIZES } from './browser.js';
import { watchCsp } from './csp-watch.js';

const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '../../test-results/every-page');
const PASSWORD = 'correct horse battery';

let h: EngineHarness;
let browser: Browser;
let runId: string;
let transactionId: string;

interface PageCase {
  name: string;
  path: () => string;
  title: string;
  /** The h1's text. */
  heading: string | RegExp;
  /** Tables of the page (accessible names) that become cards on a phone. */
  tables?: string[];
}

const PAGES: PageCase[] = [
  { name: 'imports', path: () => '/imports', title: 'Imports', heading: 'Imports', tables: ['Imports'] },
  { name: 'new-import', path: () => '/imports/new', title: 'New import', heading: 'New import' },
  { name: 'run', path: () => `/imports/${runId}`, title: 'Import', heading: /people\.csv/, tables: ['Report'] },
  { name: 'documents', path: () => '/documents', title: 'Documents to EHRs', heading: 'Documents to EHRs', tables: ['Documents'] },
  { name: 'document', path: () => `/documents/${transactionId}`, title: 'Document', heading: 'Compte rendu', tables: ['Attempts of delivery 1'] },
  { name: 'clients', path: () => '/clients', title: 'API clients', heading: 'API clients', tables: ['API clients'] },
  { name: 'api-keys', path: () => '/api-keys', title: 'API keys', heading: 'API keys', tables: ['API keys'] },
  { name: 'sync', path: () => '/sync', title: 'Sync', heading: 'Sync' },
  { name: 'reconcile', path: () => '/reconcile', title: 'Reconciliation', heading: 'Reconciliation' },
  { name: 'not-found', path: () => '/no-such-page', title: 'Page not found', heading: 'Page not found' },
];

async function api(key: string, path: string, init: RequestInit = {}): Promise<Record<string, unknown>> {
  const res = await fetch(`${h.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  h = await startEngine('sqlite');
  const key = (await createApiKey(h.server.ctx.store.db, 'every-page e2e')).key;

  // An import run that ends: its page has the line-by-line report.
  const run = await api(key, '/api/imports', {
    method: 'POST',
    body: JSON.stringify({ target: 'oncall', recordType: 'contacts', fileName: 'people.csv', mapping: contactTemplate(), defaults: { division: '1', provider: '1' } }),
  });
  runId = String(run.id);
  const csv = [PEOPLE_HEADER.join(','), ...fakePeople(6).map((r) => r.join(','))].join('\n');
  await api(key, `/api/imports/${runId}/file`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: csv });
  await api(key, `/api/imports/${runId}/start`, { method: 'POST', body: '{}' });
  for (let i = 0; (await api(key, `/api/imports/${runId}`)).status !== 'completed'; i++) {
    if (i > 600) throw new Error('the import did not end within a minute');
    await new Promise((r) => setTimeout(r, 100));
  }

  // A second import with a long file name and no file yet: its name squeezes the Status column
  // (the badges were cut to "Finish…" at 1280 px by a name like this one).
  await api(key, '/api/imports', {
    method: 'POST',
    body: JSON.stringify({ target: 'oncall', recordType: 'contacts', fileName: 'harbourside-clinic-patients-export-2026-11-30-final-checked-v2.csv', mapping: contactTemplate(), defaults: { division: '1', provider: '1' } }),
  });

  // A document delivered to the sandbox EHR: the documents list and the document's page.
  const { patient, encounter } = await h.patientWithEncounter();
  const sent = await h.sendToEhr(parameters({ patientId: patient.id!, encounterId: encounter.id!, payload: await makePdf('every page'), title: 'Compte rendu' }));
  expect(sent.status).toBe(200);
  const tracking = sent.body.parameter.find((p: { name: string }) => p.name === 'tracking-url').valueString as string;
  await h.waitForStatus(tracking, ['completed']);
  const docs = await api(key, '/api/documents');
  transactionId = String((docs.items as { transactionId: string }[])[0]!.transactionId);

  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

async function expectOneH1(page: Page, heading: string | RegExp): Promise<void> {
  const h1 = page.locator('h1');
  await poll(() => h1.count()).toBe(1);
  await poll(() => h1.innerText()).toMatch(typeof heading === 'string' ? new RegExp(`^${heading}$`) : heading);
}

/** Each import's status badge shows its whole word: it was cut to "Finish…" at 1280 px. */
async function expectWholeStatusBadges(page: Page): Promise<void> {
  const badges = page.getByTestId('run-status');
  await poll(() => badges.count()).toBeGreaterThan(0);
  const clipped = await badges.evaluateAll((els) =>
    els.flatMap((el) => {
      const label = el.querySelector('.mantine-Badge-label') ?? el;
      const whole = label.scrollWidth <= label.clientWidth && el.scrollWidth <= el.clientWidth;
      return whole ? [] : [(el as HTMLElement).innerText];
    }),
  );
  expect(clipped, 'status badges cut short').toEqual([]);
}

it('shows the whole status of each import at 1280 x 800', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  try {
    await signIn(page, h.url, 'admin', PASSWORD);
    await page.goto(`${h.url}/imports`);
    await page.getByRole('table', { name: 'Imports', exact: true }).waitFor();
    await poll(async () => (await page.getByTestId('run-status').allInnerTexts()).sort()).toEqual(['Finished', 'Waiting for the file']);
    await expectWholeStatusBadges(page);
    await fitsTheScreen(page);
  } finally {
    await context.close();
  }
}, 60_000);

describe.each(SIZES)('every page at $width x $height ($name)', (size) => {
  const phone = size.name === 'phone';

  it('has one h1, its title, fits the screen, passes axe-core and breaks no CSP rule', async () => {
    const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
    const csp = watchCsp(context);
    const page = await context.newPage();
    // Every page's axe-core findings, asserted at the end so one run lists them all.
    const axe: Record<string, unknown[]> = {};
    const checkAxe = async (what: string) => {
      const found = await axeViolations(page);
      if (found.length > 0) axe[what] = found;
    };
    try {
      // The sign-in page first.
      await page.goto(`${h.url}/imports`);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await expectOneH1(page, 'Sign in');
      expect(await page.title()).toBe('Sign in · ehr-bridge');
      await fitsTheScreen(page);
      await checkAxe('sign-in');
      await signIn(page, h.url, 'admin', PASSWORD);

      for (const p of PAGES) {
        await page.goto(h.url + p.path());
        await expectOneH1(page, p.heading);
        await poll(() => page.title()).toBe(`${p.title} · ehr-bridge`);
        for (const name of p.tables ?? []) {
          const table = page.getByRole('table', { name, exact: true });
          await table.waitFor();
          // On a phone a table is a stack of cards: no <table> element, rows as bordered boxes.
          expect(await table.evaluate((el) => el.tagName), `${name} on ${p.name}`).toBe(phone ? 'DIV' : 'TABLE');
        }
        await page.waitForLoadState('networkidle');
        await fitsTheScreen(page);
        if (p.name === 'imports') await expectWholeStatusBadges(page);

        const burger = page.getByRole('button', { name: 'Menu' });
        const nav = page.getByRole('navigation', { name: 'Main' });
        if (phone) {
          // The navigation sits in a drawer behind the Menu button, and closes on navigation.
          expect(await nav.getByRole('link').count()).toBe(0);
          await burger.click();
          await poll(() => nav.getByRole('link', { name: 'API docs' }).count()).toBe(1);
          await checkAxe(`${p.name}, menu open`);
          await page.keyboard.press('Escape');
          await poll(() => nav.getByRole('link').count()).toBe(0);
        } else {
          expect(await burger.isVisible()).toBe(false);
          expect(await nav.getByRole('link', { name: 'API docs' }).getAttribute('href')).toBe('/docs');
        }
        await checkAxe(p.name);
        await page.screenshot({ path: join(SHOTS, `${size.name}-${p.name}.png`), fullPage: true });
      }
      expect(axe, 'serious or critical axe-core violations').toEqual({});
      expect(csp.violations).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);
});

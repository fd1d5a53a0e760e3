/**
 * The main navigation in a real browser, on a phone (390x844) and a laptop (1280x800). A trial
 * user found the header's four links wrapping out of the 60 px bar on a phone ("Imports" above
 * the top edge, "API clients" over the page title). Now: a burger opens the links on a phone,
 * they sit inline on a laptop; every link is visible, inside the viewport, not covered, and
 * leads to its page; no page scrolls sideways; "Sign out" stays reachable; no CSP violation.
 * Needs `npm run build:web` first. Screenshots land in test-results/navigation/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { launchChromium, poll, signIn } from './browser.js';
import { watchCsp } from './csp-watch.js';

const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '../../test-results/navigation');

// Each link, the page it leads to (its heading), in an order that visits every page once and
// ends where it started, so each page's navigation is used.
const LINKS = [
  { label: 'New import', path: '/imports/new', heading: 'New import' },
  // The engine is new: the lists say so plainly (not "No document matches." with no filter set).
  { label: 'Documents', path: '/documents', heading: 'Documents to EHRs', empty: 'No document has been sent yet.' },
  { label: 'API clients', path: '/clients', heading: 'API clients', empty: 'No API client yet.' },
  { label: 'Sync', path: '/sync', heading: 'Sync' },
  { label: 'Reconciliation', path: '/reconcile', heading: 'Reconciliation' },
  { label: 'API keys', path: '/api-keys', heading: 'API keys', empty: 'No API key yet.' },
  { label: 'Imports', path: '/imports', heading: 'Imports' },
];
// Plus the link to the API docs (/docs, served outside the app): checked for its place and address.
const LINK_COUNT = LINKS.length + 1;

const SIZES = [
  { name: 'phone', width: 390, height: 844, burger: true },
  { name: 'laptop', width: 1280, height: 800, burger: false },
];

let server: RunningServer;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'ehr-bridge-nav-'));
  server = await startServer({ port: 0, host: '127.0.0.1', databaseUrl: join(dir, 'engine.sqlite'), logLevel: 'warn', ehr: { sandboxMllpPort: 0 } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Inside the viewport and the topmost element at its centre (nothing covers it). */
async function expectReachable(page: Page, target: Locator, what: string): Promise<void> {
  await target.waitFor({ state: 'visible' });
  const box = await target.boundingBox();
  const vp = page.viewportSize()!;
  expect(box, what).not.toBeNull();
  expect(box!.x, `${what} left edge`).toBeGreaterThanOrEqual(0);
  expect(box!.y, `${what} top edge`).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width, `${what} right edge`).toBeLessThanOrEqual(vp.width);
  expect(box!.y + box!.height, `${what} bottom edge`).toBeLessThanOrEqual(vp.height);
  const onTop = await target.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return hit !== null && (el === hit || el.contains(hit));
  });
  expect(onTop, `${what} is not covered by anything`).toBe(true);
}

async function expectNoSideScroll(page: Page, width: number): Promise<void> {
  const sizes = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, body: document.body.scrollWidth }));
  expect(sizes.doc).toBeLessThanOrEqual(width);
  expect(sizes.body).toBeLessThanOrEqual(width);
}

describe.each(SIZES)('main navigation at $width x $height ($name)', (size) => {
  it('reaches every page from the navigation, with sign-out always at hand', async () => {
    const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
    const csp = watchCsp(context);
    const page = await context.newPage();
    try {
      await signIn(page, server.url, server.admin.user, server.adminPassword ?? '');
      await page.getByRole('heading', { level: 1, name: 'Imports' }).waitFor();
      const header = page.locator('header');
      const nav = page.getByRole('navigation', { name: 'Main' });
      const burger = page.getByRole('button', { name: 'Menu' });

      // The bar keeps its height: nothing wrapped out of it.
      expect((await header.boundingBox())!.height).toBe(60);
      await expectReachable(page, page.getByRole('button', { name: 'Sign out' }), 'Sign out');
      if (size.burger) {
        await expectReachable(page, burger, 'the menu button');
        // Not a bare icon: the button shows the word its name says.
        expect(await burger.innerText()).toBe('Menu');
        expect(await burger.getAttribute('aria-expanded')).toBe('false');
        // Closed: the links are out of sight and out of the accessibility tree.
        expect(await nav.getByRole('link').count()).toBe(0);
        // Escape closes an open menu.
        await burger.click();
        await poll(() => nav.getByRole('link').count()).toBe(LINK_COUNT);
        await page.keyboard.press('Escape');
        await poll(() => nav.getByRole('link').count()).toBe(0);
        expect(await burger.getAttribute('aria-expanded')).toBe('false');
      } else {
        expect(await burger.isVisible()).toBe(false);
      }
      await page.screenshot({ path: join(SHOTS, `${size.name}-start.png`) });

      for (const [i, link] of LINKS.entries()) {
        if (size.burger) {
          await burger.click();
          expect(await burger.getAttribute('aria-expanded')).toBe('true');
          // The menu slides in from the left: measure once it has arrived.
          await poll(async () => (await nav.boundingBox())?.x).toBe(0);
          if (i === 0) await page.screenshot({ path: join(SHOTS, `${size.name}-menu-open.png`) });
        }
        const links = nav.getByRole('link');
        await poll(() => links.count()).toBe(LINK_COUNT);
        for (const l of LINKS) {
          await expectReachable(page, nav.getByRole('link', { name: l.label, exact: true }), `${l.label} link`);
          if (!size.burger) {
            // Inline links stay inside the header bar.
            const box = (await nav.getByRole('link', { name: l.label, exact: true }).boundingBox())!;
            expect(box.y + box.height).toBeLessThanOrEqual(60);
          }
        }
        const docs = nav.getByRole('link', { name: 'API docs', exact: true });
        await expectReachable(page, docs, 'API docs link');
        expect(await docs.getAttribute('href')).toBe('/docs');
        // Swagger has no way back into the app: it opens in a new tab.
        expect(await docs.getAttribute('target')).toBe('_blank');
        expect(await docs.getAttribute('rel')).toContain('noopener');
        // Sign out stays reachable with the menu open.
        await expectReachable(page, page.getByRole('button', { name: 'Sign out' }), 'Sign out');

        await nav.getByRole('link', { name: link.label, exact: true }).click();
        await poll(() => page.evaluate(() => window.location.pathname)).toBe(link.path);
        const heading = page.getByRole('heading', { level: 1, name: link.heading, exact: true });
        await heading.waitFor();
        // The menu closes on the way, and the page title sits below the bar, uncovered.
        if (size.burger) {
          expect(await burger.getAttribute('aria-expanded')).toBe('false');
          await poll(() => nav.getByRole('link').count()).toBe(0);
        }
        await expectReachable(page, heading, `${link.heading} heading`);
        if ('empty' in link && link.empty) await page.getByText(link.empty, { exact: true }).waitFor();
        expect((await heading.boundingBox())!.y).toBeGreaterThanOrEqual(60);
        await expectNoSideScroll(page, size.width);
        await page.waitForTimeout(250); // the burger's cross-to-lines animation, for a clean picture
        await page.screenshot({ path: join(SHOTS, `${size.name}-${link.path.slice(1).replace(/\//g, '-')}.png`) });
      }

      // Sign out works from here: back to the sign-in page.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      expect(csp.violations).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});

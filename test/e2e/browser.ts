/**
 * Real-browser helpers shared by the e2e test and the browser benchmark: Debian's chromium
 * driven by playwright-core (never a downloaded browser), and the sign-in step.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync',
    ],
  });
}

export async function signIn(page: Page, baseUrl: string, user: string, password: string, path = '/imports'): Promise<void> {
  await page.goto(baseUrl + path);
  await page.getByRole('textbox', { name: 'User name' }).fill(user);
  await page.getByRole('textbox', { name: 'Password' }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** Picks `option` in the Mantine Select labelled `label` (a combobox + listbox). */
export async function chooseOption(page: Page, label: string, option: string | RegExp): Promise<void> {
  await page.getByRole('combobox', { name: label }).click();
  await page.getByRole('option', { name: option }).first().click();
}

/**
 * playwright-core has no web-first assertions (those ship with @playwright/test): poll the page
 * with vitest's expect.poll instead, e.g. `await poll(() => locator.innerText()).toContain('x')`.
 */
export function poll<T>(read: () => Promise<T> | T, timeout = 15_000) {
  return expect.poll(read, { timeout, interval: 100 });
}

/** The two screens every page is checked on: a laptop and a phone. */
export const SIZES = [
  { name: 'laptop', width: 1366, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

/** Nothing on the page is wider than the screen, and no button label is cut short. */
export async function fitsTheScreen(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  const clipped = await page.evaluate(() =>
    Array.from(document.querySelectorAll('button .mantine-Button-label'))
      .filter((el) => (el as HTMLElement).offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
      .map((el) => el.textContent),
  );
  expect(clipped).toEqual([]);
}

/** One accessibility problem axe-core found: the rule, its impact and where (CSS selectors). */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

let axeSource: string | undefined;

/**
 * Runs axe-core in the page and returns its "serious" and "critical" violations. The engine's
 * Content-Security-Policy runs only its own scripts, so axe is not added as a <script> tag: its
 * source is evaluated through the DevTools protocol, which the page's policy does not govern.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact?: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, targets: v.nodes.map((n) => n.target.map(String).join(' ')) }));
  });
}

/** No "serious" or "critical" axe-core violation on the page as it is now. */
export async function expectAccessible(page: Page, what = page.url()): Promise<void> {
  expect(await axeViolations(page), `axe-core on ${what}`).toEqual([]);
}

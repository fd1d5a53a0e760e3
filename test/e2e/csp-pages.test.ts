/**
 * The engine's Content-Security-Policy (src/http/security-headers.ts) against the pages it
 * serves, in a real browser: the sign-in page and swagger-ui at /docs render, and chromium
 * reports no violation. The import wizard and documents tests check the signed-in UI the same way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { launchChromium, poll } from './browser.js';
import { watchCsp, type CspWatch } from './csp-watch.js';

let server: RunningServer;
let browser: Browser;
let page: Page;
let csp: CspWatch;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ehr-bridge-csp-'));
  server = await startServer({ port: 0, host: '127.0.0.1', databaseUrl: join(dir, 'engine.sqlite'), logLevel: 'warn', ehr: { sandboxMllpPort: 0 } });
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
  csp = watchCsp(page);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Content-Security-Policy in the browser', () => {
  it('the sign-in page renders with the policy in force', async () => {
    const res = await page.goto(`${server.url}/imports`);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(csp.violations).toEqual([]);
  });

  it('swagger-ui at /docs renders the API with the policy in force', async () => {
    const res = await page.goto(`${server.url}/docs`);
    expect(res?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await poll(() => page.locator('body').innerText()).toContain('ehr-bridge API');
    await page.locator('.opblock').first().waitFor();
    expect(csp.violations).toEqual([]);
  });

  it('would notice a violation: an inline script is refused and reported', async () => {
    await page.goto(`${server.url}/imports`);
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.body.appendChild(s);
    });
    expect(await page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan)).toBeUndefined();
    await poll(() => csp.violations.length).toBeGreaterThan(0);
    csp.violations.length = 0;
  });
});

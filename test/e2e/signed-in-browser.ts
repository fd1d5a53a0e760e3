import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { launchChromium, signIn } from './browser.js';
import { watchCsp, type CspWatch } from './csp-watch.js';

export interface SignedInBrowser {
  /** The temporary folder of the engine's database (removed by `close`); a test may put its files there. */
  dir: string;
  server: RunningServer;
  page: Page;
  /** CSP violations of every page of the context. */
  csp: CspWatch;
  close(): Promise<void>;
}

/**
 * The engine in-process on a temporary SQLite file (every listener on a free port: other suites
 * and a developer's own server may run alongside), chromium at desktop size, the admin signed in.
 */
export async function startSignedInBrowser(tmpPrefix: string, contextOptions: BrowserContextOptions = {}): Promise<SignedInBrowser> {
  const dir = mkdtempSync(join(tmpdir(), tmpPrefix));
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    server = await startServer({ port: 0, host: '127.0.0.1', databaseUrl: join(dir, 'engine.sqlite'), logLevel: 'warn', ehr: { sandboxMllpPort: 0 } });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, ...contextOptions });
    const csp = watchCsp(context);
    const page = await context.newPage();
    await signIn(page, server.url, server.admin.user, server.adminPassword ?? '');
    return { dir, server, page, csp, close };
  } catch (e) {
    await close();
    throw e;
  }
}

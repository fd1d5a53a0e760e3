/**
 * Issue 12's status view in a real browser: the imports page's Workers panel, on PostgreSQL,
 * while this engine's worker holds chunks of a running import (OnCall sandbox slowed to 300 ms
 * an answer so the run lasts while the page is looked at). Checked on a phone (390x844) and a
 * laptop (1280x800): the panel shows the process in plain words, fits the width, and chromium
 * reports no Content-Security-Policy violation. Needs `npm run build:web` first.
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/http/auth/api-keys.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { contactTemplate, fakePeople, PEOPLE_HEADER } from '../helpers/import-harness.js';
import { createPgDatabase } from '../helpers/stores.js';
import { launchChromium, poll, signIn } from './browser.js';
import { watchCsp } from './csp-watch.js';

const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '../../test-results/workers-panel');
const ROWS = 1500;

let database: Awaited<ReturnType<typeof createPgDatabase>>;
let server: RunningServer;
let browser: Browser;
let key: string;
let runId: string;

async function api(path: string, init: RequestInit = {}): Promise<Record<string, any>> {
  const res = await fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers ?? {}) } });
  const body = (await res.json()) as Record<string, any>;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  database = await createPgDatabase();
  server = await startServer({ port: 0, host: '127.0.0.1', databaseUrl: database.url, logLevel: 'warn', ehr: { sandboxMllpPort: 0 } });
  key = (await createApiKey(server.ctx.store.db, 'workers-panel-e2e')).key;
  const faults = await fetch(`${server.url}/sandbox/oncall/_admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: 300 }) });
  expect(faults.ok).toBe(true);

  const json = { 'content-type': 'application/json' };
  const run = await api('/api/imports', { method: 'POST', headers: json, body: JSON.stringify({ target: 'oncall', recordType: 'contacts', fileName: 'people.csv', mapping: contactTemplate(), defaults: { division: '1', provider: '1' } }) });
  runId = String(run.id);
  const csv = [PEOPLE_HEADER.join(','), ...fakePeople(ROWS).map((r) => r.join(','))].join('\n');
  await api(`/api/imports/${runId}/file`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: csv });
  await api(`/api/imports/${runId}/start`, { method: 'POST', headers: json, body: '{}' });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (runId) await api(`/api/imports/${runId}/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).catch(() => undefined);
  await server?.close();
  await database?.drop();
});

describe('workers panel on the imports page', () => {
  for (const size of [{ name: 'phone', width: 390, height: 844 }, { name: 'laptop', width: 1280, height: 800 }]) {
    it(`shows this worker and the chunks it holds, at ${size.width}x${size.height}, with no CSP violation`, async () => {
      const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
      const csp = watchCsp(context);
      try {
        const page = await context.newPage();
        await signIn(page, server.url, server.admin.user, server.adminPassword ?? '');
        const panel = page.getByTestId('workers-panel');
        await panel.scrollIntoViewIfNeeded();
        await poll(() => panel.innerText(), 30_000).toMatch(/import chunks? of run people\.csv/);
        const text = await panel.innerText();
        expect(text).toContain('1 worker process shares the work. A process that stays silent for 60 s has its work taken over by the others.');
        expect(text).toContain(`Process ${process.pid} on ${hostname()}`);
        expect(text).toContain('Answering');
        // The queue's own codes never show.
        expect(text).not.toMatch(/import\.chunk|import:\d|graphile|worker-[0-9a-f]{8}/);
        // The chunk line links to the run.
        expect(await panel.getByRole('link', { name: /of run people\.csv/ }).first().getAttribute('href')).toBe(`/imports/${runId}`);

        // It fits the screen: the page does not scroll sideways because of it.
        const box = (await panel.boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(size.width);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(size.width);
        await page.screenshot({ path: join(SHOTS, `${size.name}.png`), fullPage: true });
        expect(csp.violations).toEqual([]);
      } finally {
        await context.close();
      }
    }, 90_000);
  }
});

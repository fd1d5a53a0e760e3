/**
 * The run page's line-by-line report is right when the run ends, without a reload (a new-user
 * trial saw every line still "Sending" under a "Finished" summary: the lines were polled only
 * while the run was live). OnCall answers slowly here so the page watches the run live.
 * Needs `npm run build:web` first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/http/auth/api-keys.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { contactTemplate, fakePeople, PEOPLE_HEADER } from '../helpers/import-harness.js';
import { fitsTheScreen, launchChromium, poll, signIn, SIZES } from './browser.js';

const ROWS = 24;
let dir: string;
let server: RunningServer;
let browser: Browser;
let key: string;

async function api(path: string, init: RequestInit = {}): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ehrb-runrows-'));
  server = await startServer({ port: 0, host: '127.0.0.1', databaseUrl: join(dir, 'db.sqlite'), logLevel: 'warn', ehr: { sandboxMllpPort: 0 } });
  key = (await createApiKey(server.ctx.store.db, 'run-rows-e2e')).key;
  const faults = await fetch(`${server.url}/sandbox/oncall/_admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: 1200 }) });
  expect(faults.ok).toBe(true);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('run page report', () => {
  it.each(SIZES)('shows every line final when the run ends, without a reload ($name, $width px)', async (size) => {
    const run = await api('/api/imports', { method: 'POST', body: JSON.stringify({ target: 'oncall', recordType: 'contacts', fileName: 'people.csv', mapping: contactTemplate(), defaults: { division: '1', provider: '1' } }) });
    const id = String(run.id);
    const csv = [PEOPLE_HEADER.join(','), ...fakePeople(ROWS, SIZES.indexOf(size) * ROWS).map((r) => r.join(','))].join('\n');
    await api(`/api/imports/${id}/file`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: csv });

    const page = await browser.newPage({ viewport: { width: size.width, height: size.height } });
    await signIn(page, server.url, server.admin.user, server.adminPassword ?? '', `/imports/${id}`);
    await api(`/api/imports/${id}/start`, { method: 'POST', body: '{}' });
    await page.goto(`${server.url}/imports/${id}`);
    // The page sees the run live: lines waiting or being sent.
    await poll(() => page.locator('[data-testid="report-row"]:not([data-status="created"])').count(), 20_000).toBeGreaterThan(0);
    expect(await page.getByTestId('run-status').getAttribute('data-status')).not.toBe('completed');
    await poll(() => page.getByTestId('run-status').getAttribute('data-status'), 60_000).toBe('completed');
    // No reload: the lines settle on their final outcome by themselves.
    await poll(() => page.locator('[data-testid="report-row"]:not([data-status="created"])').count(), 6_000).toBe(0);
    expect(await page.locator('[data-testid="report-row"][data-status="created"]').count()).toBeGreaterThan(0);
    await fitsTheScreen(page);
    await page.close();
  });
});

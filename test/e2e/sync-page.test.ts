/**
 * The Sync page in a real browser against the real engine (issue 8, "Seeing it work"): the MLLP
 * channel's card with its counters after messages sent over a real socket, the message list in
 * words (Waiting, Failed, Ignored, Refused; "ADT^A08 Patient updated"), its filters, one
 * message's detail (raw segments a line each, ACK, trace timeline), reprocessing one failed
 * message from the list and all of them after a confirmation; on a laptop and on a phone, with
 * no serious axe-core finding and no CSP violation. Needs `npm run build:web` first.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adtMessage } from '../../src/channels/mllp-listener/test-helpers/hl7-samples.js';
import { MessageStore } from '../../src/messages/message-store.js';
import type { MessageStatus } from '../../src/messages/types.js';
import { MllpConnection } from '../../src/mllp/client.js';
import { mllpTestChannel } from '../helpers/mllp-test-channel.js';
import { until } from '../helpers/until.js';
import { axeViolations, chooseOption, fitsTheScreen, poll, signIn, SIZES } from './browser.js';
import { startSignedInBrowser, type SignedInBrowser } from './signed-in-browser.js';

const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '../../test-results/sync-page');

let b: SignedInBrowser;
let channel: { port: number; close(): Promise<void> };
let store: MessageStore;
/** Message ids by what the test made of them. */
const ids: Record<'failed' | 'waiting' | 'ignored' | 'refused' | 'failed2', number> = { failed: 0, waiting: 0, ignored: 0, refused: 0, failed2: 0 };
/** Whether this engine runs the sync processor (it then moves waiting messages on by itself). */
let processorRuns = false;

const statusOf = async (id: number): Promise<MessageStatus> => (await store.get(id))!.status;

/** Fails a stored message as the processor would, with a trace a person can read. */
async function failWithTrace(id: number, patientId: string): Promise<void> {
  // A processor in this engine may take the message first: wait for it to let go.
  if (processorRuns) await until(async () => (await statusOf(id)) !== 'received', 30_000, 'the processor to let go of the message');
  await store.addTrace(id, 'parsed', { events: [{ type: 'patient-upsert', emrPatientId: patientId, patient: { resourceType: 'Patient', name: [{ family: 'E2E' }] } }] });
  await store.addTrace(id, 'decision', { summary: 'PATCH of email and phone (other fields unchanged)' });
  await store.addTrace(id, 'call', { method: 'PATCH', path: '/contacts/17', status: 500, ms: 42 });
  await store.addTrace(id, 'error', 'OnCall answered 500 Internal Server Error');
  await store.setStatus(id, 'failed', { error: 'OnCall answered 500 Internal Server Error', countAttempt: true });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  b = await startSignedInBrowser('ehrb-sync-page-');
  const ctx = b.server.ctx;
  channel = await mllpTestChannel(ctx);
  store = new MessageStore(ctx.store.db, ctx.store.dialect);
  processorRuns = (await ctx.sync().status()).processing.running;

  const c = new MllpConnection({ host: '127.0.0.1', port: channel.port, connectTimeoutMs: 5000, ackTimeoutMs: 10_000 });
  try {
    await c.send(adtMessage({ controlId: 'E2E-FAIL', patientId: 'MRN-E2E-1' }));
    await c.send(adtMessage({ controlId: 'E2E-WAIT', patientId: 'MRN-E2E-2', event: 'A04' }));
    await c.send(adtMessage({ controlId: 'E2E-DIS', patientId: 'MRN-E2E-3', event: 'A03' }));
    await c.send(adtMessage({ controlId: 'E2E-FAIL2', patientId: 'MRN-E2E-4' }));
    await c.send(Buffer.from('this is not HL7'));
  } finally {
    c.close();
  }
  const byControl = async (controlId: string) => (await store.list({ controlId })).items[0]!.id;
  ids.failed = await byControl('E2E-FAIL');
  ids.waiting = await byControl('E2E-WAIT');
  ids.ignored = await byControl('E2E-DIS');
  ids.failed2 = await byControl('E2E-FAIL2');
  ids.refused = (await store.list({ status: 'rejected' })).items[0]!.id;
  await failWithTrace(ids.failed, 'MRN-E2E-1');
  await failWithTrace(ids.failed2, 'MRN-E2E-4');
}, 120_000);

afterAll(async () => {
  await channel?.close();
  await b?.close();
});

const messagesTable = (page: Page) => page.getByRole('table', { name: 'Messages', exact: true });
const row = (page: Page, id: number) => messagesTable(page).locator(`[data-message-id="${id}"]`);

describe('the Sync page on a laptop', () => {
  it('shows the MLLP channel and the messages in words', async () => {
    const { page } = b;
    // From the navigation, as a person gets there.
    await page.goto(`${b.server.url}/imports`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sync' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sync' }).waitFor();
    await poll(() => page.title()).toBe('Sync · ehr-bridge');

    const card = page.locator('[data-testid="channel-card"][data-channel="mllp"]');
    await poll(() => card.innerText()).toContain('HL7 v2 over MLLP');
    const text = await card.innerText();
    expect(text).toContain('Running');
    expect(text).toContain(`port ${channel.port}`);
    // A connection count, when the detail has one, is in words (never "connection(s)").
    expect(text).not.toContain('connection(s)');
    expect(text).toMatch(/Messages received\s+4/);
    expect(text).toMatch(/Refused\s+1/);
    expect(text).toMatch(/Last message\s+(just now|\d+ s ago)/);
    await poll(() => page.getByTestId('processing-card').innerText()).toMatch(/Failed\s+2/);

    await poll(() => row(page, ids.failed).getAttribute('data-status')).toBe('failed');
    expect(await row(page, ids.failed).innerText()).toContain('ADT^A08 Patient updated');
    expect(await row(page, ids.failed).innerText()).toContain('Failed');
    expect(await row(page, ids.failed).innerText()).toContain('MRN-E2E-1');
    expect(await row(page, ids.failed).innerText()).toContain('HL7 (MLLP)');
    // Control ids and sources stay on one line each (one line of text: its height is its line height).
    const oneLine = await messagesTable(page).evaluate((t) =>
      Array.from(t.querySelectorAll('tbody tr')).flatMap((tr) =>
        [5, 4].map((i) => {
          const el = tr.children[i]!.firstElementChild as HTMLElement;
          return el.getBoundingClientRect().height <= parseFloat(getComputedStyle(el).lineHeight) * 1.5;
        }),
      ),
    );
    expect(oneLine.length).toBeGreaterThan(0);
    expect(oneLine.every(Boolean)).toBe(true);
    expect(await row(page, ids.ignored).innerText()).toContain('Ignored (nothing to do)');
    expect(await row(page, ids.ignored).innerText()).toContain('ADT^A03 Patient discharged');
    expect(await row(page, ids.refused).innerText()).toContain('Refused');
    if (!processorRuns) expect(await row(page, ids.waiting).innerText()).toContain('Waiting');
    // No stored code shows as such.
    expect(await messagesTable(page).innerText()).not.toMatch(/\b(received|processed|rejected)\b/);

    await page.screenshot({ path: join(SHOTS, 'laptop-sync.png'), fullPage: true });
    await fitsTheScreen(page);
    expect(await axeViolations(page)).toEqual([]);
  }, 120_000);

  it('filters by status and by patient id', async () => {
    const { page } = b;
    await page.goto(`${b.server.url}/sync`);
    await row(page, ids.ignored).waitFor();
    await chooseOption(page, 'Status', 'Failed');
    await poll(async () => (await messagesTable(page).locator('[data-message-id]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-message-id'))))).sort()).toEqual(
      [ids.failed, ids.failed2].sort(),
    );
    await page.getByRole('button', { name: 'Show every status' }).click();
    await page.getByRole('textbox', { name: 'Patient id (EMR)' }).fill('MRN-E2E-3');
    await poll(() => messagesTable(page).locator('[data-message-id]').count()).toBe(1);
    expect(await row(page, ids.ignored).count()).toBe(1);
    await page.getByRole('textbox', { name: 'Patient id (EMR)' }).fill('MRN-NOBODY');
    await poll(() => page.getByTestId('no-messages').innerText()).toBe('No message matches.');
    await page.getByRole('button', { name: 'Clear the filters' }).click();
    await poll(() => messagesTable(page).locator('[data-message-id]').count()).toBe(5);
  }, 120_000);

  it("opens a failed message: its header, ACK, segments one a line, and what happened", async () => {
    const { page } = b;
    await page.goto(`${b.server.url}/sync`);
    await row(page, ids.failed).getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: 'ADT^A08 Patient updated' }).waitFor();
    await poll(() => page.title()).toBe('Message · ehr-bridge');
    const body = await page.locator('main').innerText();
    expect(body).toContain('E2E-FAIL');
    expect(body).toContain('OnCall answered 500 Internal Server Error');

    const raw = await page.getByRole('region', { name: 'The message as received' }).innerText();
    const lines = raw.split('\n');
    expect(lines[0]).toMatch(/^MSH\|/);
    expect(lines.map((l) => l.slice(0, 3))).toEqual(['MSH', 'EVN', 'PID', 'PV1']);
    expect(await page.getByRole('region', { name: 'The acknowledgement sent' }).innerText()).toMatch(/MSA\|AA\|E2E-FAIL/);

    // The four events this test wrote come last (a processor in this engine may have written some first).
    const events = page.getByTestId('trace-event');
    await poll(async () => (await events.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).slice(-4)).toEqual(['parsed', 'decision', 'call', 'error']);
    const n = await events.count();
    const readAs = events.nth(n - 4);
    expect(await readAs.innerText()).toContain('Patient MRN-E2E-1 new or updated');
    // No internal JSON in sight: the FHIR resources are folded away until asked for.
    expect(await readAs.innerText()).not.toMatch(/patient-upsert|emrPatientId/);
    const fhir = readAs.getByRole('region', { name: 'The FHIR resources' });
    expect(await fhir.isVisible()).toBe(false);
    await readAs.getByText('Show the FHIR resources').click();
    await poll(() => fhir.isVisible()).toBe(true);
    expect(await fhir.innerText()).toContain('"resourceType": "Patient"');
    expect(await events.nth(n - 3).innerText()).toContain('PATCH of email and phone (other fields unchanged)');
    expect(await events.nth(n - 2).innerText()).toMatch(/PATCH \/contacts\/17\s+answered 500 in 42 ms/);
    expect(await events.nth(n - 1).innerText()).toContain('OnCall answered 500 Internal Server Error');
    await page.screenshot({ path: join(SHOTS, 'laptop-message.png'), fullPage: true });

    await fitsTheScreen(page);
    expect(await axeViolations(page)).toEqual([]);
    expect(b.csp.violations).toEqual([]);
  }, 120_000);

  it('reprocesses one failed message from the list: it shows as waiting', async () => {
    const { page } = b;
    await page.goto(`${b.server.url}/sync`);
    await row(page, ids.failed).waitFor();
    await page.getByRole('button', { name: `Reprocess message ${ids.failed}` }).click();
    await poll(() => page.getByRole('status').innerText()).toContain(`Message ${ids.failed} is waiting to be processed again.`);
    // Without a processor it waits; with one, it may already be done (OnCall already matches).
    await poll(() => row(page, ids.failed).getAttribute('data-status')).toMatch(processorRuns ? /^(received|processed)$/ : /^received$/);
    if (!processorRuns) expect(await row(page, ids.failed).innerText()).toContain('Waiting');
    const trace = (await store.get(ids.failed))!.trace;
    expect(trace.find((e) => e.kind === 'decision' && (e.detail as { action?: string }).action === 'reprocess requested')).toMatchObject({ detail: { by: 'admin', from: 'failed' } });
    // The other failed message is untouched.
    expect(await statusOf(ids.failed2)).toBe('failed');
  }, 120_000);

  it('reprocesses all failed messages only once confirmed', async () => {
    const { page } = b;
    await failWithTrace(ids.failed, 'MRN-E2E-1');
    await page.goto(`${b.server.url}/sync`);
    const all = page.getByRole('button', { name: 'Reprocess all failed' });
    await all.click();
    const dialog = page.getByRole('dialog', { name: 'Reprocess all failed messages?' });
    await poll(() => dialog.innerText()).toContain('2 failed messages go back to waiting');
    await dialog.getByRole('button', { name: 'Keep it' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect([await statusOf(ids.failed), await statusOf(ids.failed2)]).toEqual(['failed', 'failed']);

    await all.click();
    await dialog.getByRole('button', { name: 'Reprocess them' }).click();
    await poll(() => page.getByRole('status').innerText()).toContain('2 messages are waiting to be processed again.');
    if (!processorRuns) {
      await poll(() => row(page, ids.failed2).getAttribute('data-status')).toBe('received');
      await poll(() => page.getByTestId('processing-card').innerText()).toMatch(/Failed\s+0/);
      // Nothing failed is left: the bulk button goes away.
      await all.waitFor({ state: 'detached' });
    }
  }, 120_000);
});

describe('the Sync page on a phone', () => {
  it('shows the channel, the messages as cards and a message, within the screen', async () => {
    const phone = SIZES.find((s) => s.name === 'phone')!;
    const context = await b.page.context().browser()!.newContext({ viewport: { width: phone.width, height: phone.height } });
    const page = await context.newPage();
    try {
      await signIn(page, b.server.url, b.server.admin.user, b.server.adminPassword ?? '', '/sync');
      await page.goto(`${b.server.url}/sync`);
      await page.locator('[data-testid="channel-card"][data-channel="mllp"]').waitFor();
      await row(page, ids.ignored).waitFor();
      // A stack of cards, not a <table>.
      expect(await messagesTable(page).evaluate((el) => el.tagName)).toBe('DIV');
      // The filters are folded behind one button, which counts those set.
      const filters = page.getByRole('button', { name: 'Filters', exact: true });
      expect(await filters.getAttribute('aria-expanded')).toBe('false');
      expect(await page.getByRole('textbox', { name: 'Patient id (EMR)' }).isVisible()).toBe(false);
      await filters.click();
      await page.getByRole('textbox', { name: 'Patient id (EMR)' }).fill('MRN-E2E-3');
      await poll(() => messagesTable(page).locator('[data-message-id]').count()).toBe(1);
      await page.getByRole('button', { name: 'Filters (1 set)' }).click();
      expect(await page.getByRole('textbox', { name: 'Patient id (EMR)' }).isVisible()).toBe(false);
      await page.getByRole('button', { name: 'Filters (1 set)' }).click();
      await page.getByRole('button', { name: 'Clear the filters' }).click();
      await poll(() => messagesTable(page).locator('[data-message-id]').count()).toBe(5);
      await page.getByRole('button', { name: 'Filters', exact: true }).click();
      await page.screenshot({ path: join(SHOTS, 'phone-sync.png'), fullPage: true });
      await fitsTheScreen(page);
      expect(await axeViolations(page)).toEqual([]);

      await page.goto(`${b.server.url}/sync/messages/${ids.refused}`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      expect(await page.locator('main').innerText()).toContain('Refused');
      // The refusal's reason is said once, in the "Why" box, not again as JSON in the trace.
      expect(await page.locator('main').innerText()).not.toMatch(/"outcome"|"errors"/);
      await page.screenshot({ path: join(SHOTS, 'phone-message.png'), fullPage: true });
      await fitsTheScreen(page);
      expect(await axeViolations(page)).toEqual([]);

      // HL7 one segment a line: the block scrolls sideways, the page does not.
      await page.goto(`${b.server.url}/sync/messages/${ids.failed2}`);
      const raw = page.getByRole('region', { name: 'The message as received' });
      await raw.waitFor();
      expect((await raw.innerText()).split('\n').map((l) => l.slice(0, 3))).toEqual(['MSH', 'EVN', 'PID', 'PV1']);
      const lineHeight = await raw.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight));
      expect(await raw.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
      expect(await raw.evaluate((el) => el.scrollHeight)).toBeLessThan(lineHeight * 4 + 64);
      await page.screenshot({ path: join(SHOTS, 'phone-message-hl7.png'), fullPage: true });
      await fitsTheScreen(page);
      expect(await axeViolations(page)).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});

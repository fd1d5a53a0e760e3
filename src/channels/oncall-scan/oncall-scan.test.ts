import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MessageStore } from '../../messages/message-store.js';
import { OncallClient } from '../../partners/oncall/client.js';
import { AUTH, startSandbox, type RunningSandbox } from '../../sandboxes/oncall/test-harness.js';
import { DEFAULT_ONCALL_SANDBOX_API_KEY } from '../../sandboxes/oncall/plugin.js';
import { DIALECTS, testStore, type TestStore } from '../../../test/helpers/stores.js';
import { createOncallScanner, ScanBusy, ScanStore, SCAN_CHANNEL, type OncallScanner } from './index.js';
import type { ScannerDeps } from './scanner.js';
import { Leases } from '../../store/repos/leases.js';

/**
 * The contact scan against a real OnCall sandbox server over HTTP, on both databases: what it
 * stores, what it costs in requests, and how an outage mid-scan resumes to the same result.
 */
let sandbox: RunningSandbox;
let client: OncallClient;

beforeAll(async () => {
  sandbox = await startSandbox();
  client = new OncallClient({ baseUrl: sandbox.base, apiKey: DEFAULT_ONCALL_SANDBOX_API_KEY, maxRetries: 1, retryBaseMs: 1, adaptiveConcurrency: false, concurrency: 8 });
});
afterAll(async () => {
  await client.close();
  await sandbox.close();
});

async function apiGets(): Promise<number> {
  const r = await sandbox.admin('GET', 'stats/');
  return Number(r.body.requests.byMethod.GET ?? 0);
}

async function reseed(contacts: number): Promise<void> {
  await sandbox.admin('POST', 'reset/');
  await sandbox.admin('POST', 'faults/', { errorRate: 0, latencyMs: 0, rateLimitPerSecond: null });
  const r = await sandbox.admin('POST', 'seed/', { contacts });
  expect(r.status).toBe(200);
}

describe.each(DIALECTS)('OnCall contact scan on %s', (dialect) => {
  let store: TestStore;
  let wakes = 0;
  const scanner = (extra: Partial<ScannerDeps> = {}, s: TestStore = store): OncallScanner =>
    createOncallScanner({ db: s.db, dialect: s.dialect, client: () => client, wake: () => wakes++, extra });
  const scanMessages = async (s: TestStore = store) =>
    s.db.selectFrom('messages').select(['control_id', 'status', 'event', 'message_type']).where('channel', '=', SCAN_CHANNEL).orderBy('control_id').execute();
  const marks = async (s: TestStore = store) => s.db.selectFrom('scan_marks').select(['kind', 'record_id', 'hash']).orderBy('record_id').execute();

  beforeEach(async () => {
    store = await testStore(dialect);
    wakes = 0;
  });
  afterEach(async () => {
    await store.dispose();
  });

  it('stores one message per contact on the first scan, none on an unchanged rescan (exactly the page GETs), one for a changed contact', async () => {
    await reseed(250);
    const first = await scanner().scan('contacts', 'manual');
    expect(first.run).toMatchObject({ status: 'done', seen: 250, changed: 250, nextPage: 4, requests: 3, error: null });
    expect(first).toMatchObject({ pages: 3, pagesRead: 3, stored: 250, resumedAt: null });
    expect(wakes).toBe(3);
    const stored = await scanMessages();
    expect(stored).toHaveLength(250);
    expect(stored.every((m) => m.status === 'received' && m.event === 'contact' && m.message_type === 'SCAN')).toBe(true);
    const one = await new MessageStore(store.db, store.dialect).list({ channel: SCAN_CHANNEL, limit: 1 });
    const url = JSON.parse((await store.db.selectFrom('messages').select('raw').where('id', '=', one.items[0]!.id).executeTakeFirstOrThrow()).raw.toString()).url as string;
    expect(one.items[0]!.controlId).toMatch(new RegExp(`^contact:${url.replace(/[.?/]/g, '\\$&')}:[\\w-]+$`));
    expect(one.items[0]!.patientIds).toEqual([`oncall:${url}`]);
    expect(await marks()).toHaveLength(250);

    const before = await apiGets();
    const again = await scanner().scan('contacts', 'manual');
    expect(again).toMatchObject({ stored: 0, pages: 3 });
    expect(again.run).toMatchObject({ status: 'done', seen: 250, changed: 0, requests: 3 });
    expect((await apiGets()) - before).toBe(3);
    expect(await scanMessages()).toHaveLength(250);

    const patched = await sandbox.call('PATCH', '/contacts/7/', { notes: 'moved to the east clinic' }, AUTH);
    expect(patched.status).toBe(200);
    const third = await scanner().scan('contacts', 'manual');
    expect(third.run).toMatchObject({ status: 'done', changed: 1 });
    expect(third.stored).toBe(1);
    const all = await scanMessages();
    expect(all).toHaveLength(251);
    expect(all.filter((m) => m.control_id.startsWith(`contact:${sandbox.base}/contacts/7/:`))).toHaveLength(2);
  });

  it('OnCall failing mid-scan leaves the run interrupted at the failed page; the next scan resumes there and ends equal to a clean run', async () => {
    await reseed(500);
    const failAfterPage2: Partial<ScannerDeps> = {
      readAhead: 0,
      afterPage: async (page) => {
        if (page === 2) await sandbox.admin('POST', 'faults/', { errorRate: 1 });
      },
    };
    const broken = await scanner(failAfterPage2).scan('contacts', 'schedule');
    expect(broken.run).toMatchObject({ status: 'interrupted', nextPage: 3, seen: 200, changed: 200, finishedAt: null });
    expect(broken.run.error).toMatch(/OnCall Health is unavailable \(HTTP 503\)/);
    expect(await scanMessages()).toHaveLength(200);
    expect(await marks()).toHaveLength(200);

    await sandbox.admin('POST', 'faults/', { errorRate: 0 });
    const resumed = await scanner().scan('contacts', 'manual');
    expect(resumed).toMatchObject({ resumedAt: 3, pagesRead: 3, pages: 5, stored: 300 });
    expect(resumed.run).toMatchObject({ id: broken.run.id, status: 'done', seen: 500, changed: 500, trigger: 'schedule' });

    const clean = await testStore(dialect);
    try {
      const ref = await scanner({}, clean).scan('contacts', 'manual');
      expect(ref.run).toMatchObject({ status: 'done', seen: 500, changed: 500 });
      expect((await scanMessages()).map((m) => m.control_id)).toEqual((await scanMessages(clean)).map((m) => m.control_id));
      expect(await marks()).toEqual(await marks(clean));
    } finally {
      await clean.dispose();
    }
  });

  it('a run left running by a dead process is resumed at once; while another live process holds the scan lease it is refused', async () => {
    await reseed(300);
    const scanStore = new ScanStore(store.db);
    const run = await scanStore.start('contacts', 'schedule');
    await scanStore.commitPage(run.id, 'contact', [], { nextPage: 2, seen: 100, changed: 0, requests: 1 });
    const other = new Leases(store.db, 60_000);
    expect(await other.claim('oncall-scan:contacts')).toBe(true);
    await expect(scanner().scan('contacts', 'manual')).rejects.toBeInstanceOf(ScanBusy);
    expect(await scanStore.get(run.id)).toMatchObject({ status: 'running', nextPage: 2 });
    await other.release('oncall-scan:contacts');
    const r = await scanner().scan('contacts', 'manual');
    expect(r).toMatchObject({ resumedAt: 2, pagesRead: 2, stored: 200 });
    expect(r.run).toMatchObject({ id: run.id, status: 'done', seen: 300 });
  });

  it('respects OnCall throttling (429 + Retry-After): the scan waits and ends complete', async () => {
    await reseed(600);
    await sandbox.admin('POST', 'faults/', { rateLimitPerSecond: 2 });
    const patient = new OncallClient({ baseUrl: sandbox.base, apiKey: DEFAULT_ONCALL_SANDBOX_API_KEY });
    try {
      const throttledBefore = Number((await sandbox.admin('GET', 'stats/')).body.throttled);
      const r = await createOncallScanner({ db: store.db, dialect: store.dialect, client: () => patient, wake: () => undefined }).scan('contacts', 'manual');
      expect(r.run).toMatchObject({ status: 'done', seen: 600, changed: 600 });
      expect(Number((await sandbox.admin('GET', 'stats/')).body.throttled)).toBeGreaterThan(throttledBefore);
      expect(patient.stats().throttled).toBeGreaterThan(0);
    } finally {
      await sandbox.admin('POST', 'faults/', { rateLimitPerSecond: null });
      await patient.close();
    }
  });

  it('refuses a second scan of the same kind while one runs; appointments are scanned too', async () => {
    await reseed(120);
    const made = await sandbox.call('POST', '/appointments/', {
      title: 'Follow-up',
      datetime: '2030-01-15T15:00:00Z',
      duration: 30,
      type: 'online',
      division: `${sandbox.base}/divisions/1/`,
      participants: [{ name: 'Test Patient', first_name: 'Test', last_name: 'Patient', email: 'test.patient@example.com', fee: 10 }],
    }, AUTH);
    expect(made.status).toBe(201);
    const s = scanner();
    const running = s.scan('contacts', 'manual');
    await expect(scanner().scan('contacts', 'manual')).rejects.toBeInstanceOf(ScanBusy);
    const appts = await scanner().scan('appointments', 'manual');
    expect(appts).toMatchObject({ stored: 1, pages: 1 });
    expect((await running).run.status).toBe('done');
    const appt = (await scanMessages()).filter((m) => m.event === 'appointment');
    expect(appt).toHaveLength(1);
    expect(appt[0]!.control_id.startsWith(`appointment:${made.body.url}:`)).toBe(true);
  });
});

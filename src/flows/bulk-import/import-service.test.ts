import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../test/helpers/stores.js';
import {
  contactTemplate,
  fakePeople,
  importHarness,
  PEOPLE_HEADER,
  rowsToEvents,
  runOptions,
  SANDBOX_DIVISION_1,
  stageContacts,
  waitForRun,
  type ImportHarness,
} from '../../../test/helpers/import-harness.js';
import { OncallClient } from '../../partners/oncall/client.js';
import { createImportTarget } from './targets/create-target.js';
import { ImportService } from './import-service.js';
import { createLogger } from '../../logging/logger.js';

describe.each(DIALECTS)('bulk import into the OnCall sandbox (%s)', (dialect) => {
  let h: ImportHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function importRows(harness: ImportHarness, rows: string[][], over: Parameters<typeof runOptions>[0] = {}) {
    const id = await stageContacts(harness, rows, over);
    await harness.service.start(id);
    return waitForRun(harness.service, id);
  }

  it('creates one contact per valid row with the EMR id in the custom field, and a second run creates nothing', async () => {
    h = await importHarness(dialect);
    const rows = fakePeople(120);
    rows.push(['emr-bad', 'Alice', 'Smith', 'not-an-email', '1980-01-01', 'F']);
    const first = await importRows(h, rows);
    expect(first.status).toBe('completed');
    expect(first.counts).toMatchObject({ created: 120, invalid: 1, failed: 0, pending: 0, inFlight: 0 });
    expect(await h.countContacts()).toBe(120);
    const some = await h.client.contacts({ email: 'person7@example.org' }).next();
    expect(some.value?.custom_field_values?.['1']).toBe('emr-7');

    const second = await importRows(h, rows);
    expect(second.counts).toMatchObject({ created: 0, skipped: 120, invalid: 1 });
    expect(await h.countContacts()).toBe(120);

    // An overlapping file with one changed e-mail: updated only when asked.
    const changed = fakePeople(130);
    changed[3]![3] = 'new-address@example.org';
    const third = await importRows(h, changed, { updateExisting: true });
    expect(third.counts).toMatchObject({ created: 10, updated: 1, skipped: 119 });
    expect(await h.countContacts()).toBe(130);
    const rowsOut = await h.service.runs.rows(third.id, { status: 'updated', offset: 0, limit: 10 });
    expect(rowsOut.items[0]!.message).toBe('updated email');
    expect(rowsOut.items[0]!.message).not.toContain('new-address');
  });

  it('finds existing contacts from the platform itself when the local database has no history', async () => {
    h = await importHarness(dialect);
    await importRows(h, fakePeople(30));
    // A brand-new engine database (another machine, a wiped disk) against the same platform.
    const other = await importHarness(dialect);
    try {
      const service = new ImportService({
        db: other.store.db,
        queue: other.queue,
        logger: createLogger({ level: 'silent' }),
        targetFor: (run) => createImportTarget(run, { oncall: () => h!.client, oncallBaseUrl: () => h!.sandboxUrl, emrIdField: '1', emrIdMetadataKey: 'emr_id' }),
      });
      await other.queue.stop();
      await other.queue.start(service.jobHandlers(), { pollIntervalMs: 50 });
      const run = await service.create({
        target: 'oncall',
        recordType: 'contacts',
        source: 'csv',
        fileName: null,
        mapping: contactTemplate(),
        options: runOptions({ defaults: { division: SANDBOX_DIVISION_1(h.sandboxUrl), provider: `${h.sandboxUrl}/providers/1/` } }),
      });
      await service.stage(run.id, rowsToEvents(contactTemplate(), PEOPLE_HEADER, fakePeople(30)));
      await service.start(run.id);
      const s = await waitForRun(service, run.id);
      expect(s.counts).toMatchObject({ created: 0, skipped: 30 });
      expect(await h.countContacts()).toBe(30);
    } finally {
      await other.close();
    }
  });

  it('survives 20% errors, 5% timeouts after the write and a rate limit with exactly one contact per row', async () => {
    h = await importHarness(dialect, { timeoutMs: 700, timeoutHoldMs: 1500 });
    await h.admin('faults', { errorRate: 0.2, timeoutRate: 0.05, rateLimitPerSecond: 400 });
    const s = await importRows(h, fakePeople(300));
    expect(s.status).toBe('completed');
    expect(s.counts).toMatchObject({ created: 300, failed: 0 });
    await h.admin('faults', { errorRate: 0, timeoutRate: 0, rateLimitPerSecond: null });
    expect(await h.countContacts()).toBe(300);
    const emails = new Set<string>();
    for await (const c of h.client.contacts()) emails.add(String(c.custom_field_values?.['1']));
    expect(emails.size).toBe(300);
    const stats = (await h.admin('stats')) as Record<string, unknown>;
    expect(JSON.stringify(stats)).toMatch(/timeout/i);
  });

  it('writes no patient data to the logs, even at debug level with faults', async () => {
    const lines: string[] = [];
    const { pino } = await import('pino');
    const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(l) });
    h = await importHarness(dialect, { timeoutMs: 700, timeoutHoldMs: 1500, logger });
    await h.admin('faults', { errorRate: 0.2, timeoutRate: 0.05, rateLimitPerSecond: 300 });
    const rows = fakePeople(80);
    rows.push(['emr-bad', 'Zelda', 'Quimby', 'zelda-at-example', '1980-01-01', 'F']);
    const s = await importRows(h, rows);
    expect(s.counts).toMatchObject({ created: 80, invalid: 1 });
    expect(lines.length).toBeGreaterThan(0);
    const text = lines.join('\n');
    for (const r of rows) {
      expect(text).not.toContain(r[3]!);
      expect(text).not.toContain(r[2]!);
    }
    expect(text).not.toContain('Zelda');
  });

  it('resolves a row left in flight by a crash through a lookup instead of creating it twice', async () => {
    h = await importHarness(dialect);
    const division = SANDBOX_DIVISION_1(h.sandboxUrl);
    const provider = `${h.sandboxUrl}/providers/1/`;
    const run = await h.service.create({ target: 'oncall', recordType: 'contacts', source: 'csv', fileName: null, mapping: contactTemplate(), options: runOptions({ defaults: { division, provider } }) });
    await h.service.stage(run.id, rowsToEvents(contactTemplate(), PEOPLE_HEADER, fakePeople(5)));
    // The process "sent" row 2 and died before recording the answer.
    await h.service.runs.markInFlight(run.id, [{ line: 2, attempts: 0 }]);
    const target = createImportTarget(await h.service.require(run.id), { oncall: () => h!.client, oncallBaseUrl: () => h!.sandboxUrl, emrIdField: '1', emrIdMetadataKey: 'emr_id' });
    const row = (await h.service.runs.openRowsOfChunk(run.id, 0, 500, -1, 10)).rows.find((r) => r.line === 2)!;
    const url = await target.create(target.prepare(row.record));
    await h.service.start(run.id);
    const s = await waitForRun(h.service, run.id);
    expect(s.counts).toMatchObject({ created: 5 });
    expect(await h.countContacts()).toBe(5);
    const done = await h.service.runs.rows(run.id, { offset: 0, limit: 10 });
    const line2 = done.items.find((r) => r.line === 2)!;
    expect(line2.partnerUrl).toBe(url);
    expect(line2.message).toMatch(/confirmed after an interrupted attempt/);
  });

  it('pauses, resumes and cancels', async () => {
    h = await importHarness(dialect, { concurrency: 2 });
    await h.admin('faults', { latencyMs: 20 });
    const division = SANDBOX_DIVISION_1(h.sandboxUrl);
    const run = await h.service.create({ target: 'oncall', recordType: 'contacts', source: 'csv', fileName: null, mapping: contactTemplate(), options: runOptions({ defaults: { division, provider: `${h.sandboxUrl}/providers/1/` } }) });
    await h.service.stage(run.id, rowsToEvents(contactTemplate(), PEOPLE_HEADER, fakePeople(400)));
    await h.service.start(run.id);
    await new Promise((r) => setTimeout(r, 400));
    await h.service.pause(run.id);
    // Rows already sent finish; nothing new starts.
    let paused = await h.service.summary(run.id);
    while (paused.counts.inFlight > 0) {
      await new Promise((r) => setTimeout(r, 100));
      paused = await h.service.summary(run.id);
    }
    await new Promise((r) => setTimeout(r, 300));
    paused = await h.service.summary(run.id);
    expect(paused.status).toBe('paused');
    await new Promise((r) => setTimeout(r, 500));
    const still = await h.service.summary(run.id);
    expect(still.done).toBe(paused.done);
    expect(paused.done).toBeGreaterThan(0);
    expect(paused.remaining).toBeGreaterThan(0);
    await h.service.resume(run.id);
    await new Promise((r) => setTimeout(r, 300));
    await h.service.cancel(run.id);
    let s = await h.service.summary(run.id);
    while (s.counts.inFlight > 0 || (await h.queue.pendingCount()) > 0) {
      await new Promise((r) => setTimeout(r, 100));
      s = await h.service.summary(run.id);
    }
    expect(s.status).toBe('cancelled');
    expect(s.counts.cancelled).toBeGreaterThan(0);
    expect(s.counts.created + s.counts.cancelled).toBe(400);
    expect(await h.countContacts()).toBe(s.counts.created);
    await expect(h.service.resume(run.id)).rejects.toThrow(/cancelled/);
  });

  it('stops the whole run with one clear error when the API key is wrong', async () => {
    h = await importHarness(dialect);
    const bad = new OncallClient({ baseUrl: h.sandboxUrl, apiKey: 'wrong-key', maxRetries: 1 });
    const service = new ImportService({
      db: h.store.db,
      queue: h.queue,
      logger: createLogger({ level: 'silent' }),
      targetFor: (run) => createImportTarget(run, { oncall: () => bad, oncallBaseUrl: () => h!.sandboxUrl, emrIdField: '1', emrIdMetadataKey: 'emr_id' }),
    });
    await h.queue.stop();
    await h.queue.start(service.jobHandlers(), { pollIntervalMs: 50 });
    const run = await service.create({ target: 'oncall', recordType: 'contacts', source: 'csv', fileName: null, mapping: contactTemplate(), options: runOptions({ defaults: { division: SANDBOX_DIVISION_1(h.sandboxUrl), provider: `${h.sandboxUrl}/providers/1/` } }) });
    await service.stage(run.id, rowsToEvents(contactTemplate(), PEOPLE_HEADER, fakePeople(50)));
    await service.start(run.id);
    const s = await waitForRun(service, run.id);
    expect(s.status).toBe('failed');
    expect(s.error).toMatch(/API key/);
    expect(s.counts.failed).toBe(0);
    expect(await h.countContacts()).toBe(0);
    await bad.close();
  });
});

describe.each(DIALECTS)('appointments with participants into the OnCall sandbox (%s)', (dialect) => {
  let h: ImportHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const template = {
    version: 1 as const,
    recordType: 'appointments' as const,
    fields: {
      emrId: { column: 'appt' },
      title: { column: 'reason' },
      start: { column: 'when' },
      duration: { column: 'minutes' },
      type: { constant: 'online' },
      'participants.name': { column: 'who' },
      'participants.email': { column: 'emails' },
    },
  };
  const header = ['appt', 'reason', 'when', 'minutes', 'who', 'emails'];

  it('creates each appointment once with its participants and the EMR id in metadata; a re-import creates nothing', async () => {
    h = await importHarness(dialect);
    const many = Array.from({ length: 26 }, (_, i) => `P${i}`);
    const rows = [
      ['A-1', 'Follow-up', '2030-03-01T09:00:00Z', '30', 'Ann Lee', 'ann@example.org'],
      ['A-2', 'Family call', '2030-03-02T10:00:00Z', '45', 'Bob Ray; Cy Ray', 'bob@example.org; cy@example.org'],
      ['A-3', 'Too many', '2030-03-03T10:00:00Z', '45', many.join(';'), many.map((p) => `${p}@example.org`).join(';')],
      ['A-4', 'No length', '2030-03-03T10:00:00Z', '0', 'Di Low', 'di@example.org'],
    ];
    const division = SANDBOX_DIVISION_1(h.sandboxUrl);
    const start = async () => {
      const run = await h!.service.create({ target: 'oncall', recordType: 'appointments', source: 'csv', fileName: null, mapping: template, options: runOptions({ defaults: { division } }) });
      const { withRunDefaults } = await import('./template-defaults.js');
      await h!.service.stage(run.id, rowsToEvents(withRunDefaults(template, { division }), header, rows));
      await h!.service.start(run.id);
      return waitForRun(h!.service, run.id);
    };
    const first = await start();
    expect(first.counts).toMatchObject({ created: 2, invalid: 2 });
    const problems = await h.service.runs.problems(first.id, 0, 10);
    expect(problems.items.map((p) => p.line)).toEqual([4, 5]);
    expect(JSON.stringify(problems.items[0])).toMatch(/25/);
    const appts = [];
    for await (const a of h.client.appointments()) appts.push(a);
    expect(appts).toHaveLength(2);
    const family = appts.find((a) => a.metadata?.emr_id === 'A-2')!;
    expect((family.participants ?? []).map((p) => p.email).sort()).toEqual(['bob@example.org', 'cy@example.org']);
    const second = await start();
    expect(second.counts).toMatchObject({ created: 0, skipped: 2 });
    const after = [];
    for await (const a of h.client.appointments()) after.push(a);
    expect(after).toHaveLength(2);
  });
});

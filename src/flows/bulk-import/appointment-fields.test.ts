import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../test/helpers/stores.js';
import { importHarness, rowsToEvents, runOptions, SANDBOX_DIVISION_1, waitForRun, type ImportHarness } from '../../../test/helpers/import-harness.js';
import type { MappingTemplate } from './mapping/template.js';
import { withRunDefaults } from './template-defaults.js';

/**
 * Issue 6, item 4: every mapped appointment field reaches OnCall. The sandbox's stored
 * appointment is compared with the mapped row field by field: title, start, duration, type,
 * division, provider, each participant's name, e-mail and fee, and every metadata key.
 */
describe.each(DIALECTS)('appointment import sends every mapped field (%s)', (dialect) => {
  let h: ImportHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const template: MappingTemplate = {
    version: 1,
    recordType: 'appointments',
    fields: {
      emrId: { column: 'appt' },
      title: { column: 'reason' },
      start: { column: 'when' },
      duration: { column: 'minutes' },
      type: { column: 'kind' },
      provider: { column: 'doctor' },
      'participants.name': { column: 'who' },
      'participants.email': { column: 'emails' },
      'participants.fee': { column: 'fees' },
      'metadata.room': { column: 'room' },
      'metadata.referral': { column: 'referral' },
    },
  };
  const header = ['appt', 'reason', 'when', 'minutes', 'kind', 'doctor', 'who', 'emails', 'fees', 'room', 'referral'];
  const rows = [
    ['A-1', 'Family call', '2030-03-02T10:00:00Z', '45', 'inperson', '2', 'Bob Ray; Cy Ray', 'bob@example.org; cy@example.org', '75;0', '12B', 'R-77'],
    ['A-2', 'Follow-up', '2030-03-03T09:30:00Z', '30', 'online', '1', 'Ann Lee', 'ann@example.org', '12.5', '3', ''],
  ];

  async function run(t: MappingTemplate, data: string[][], over: Parameters<typeof runOptions>[0] = {}) {
    const division = SANDBOX_DIVISION_1(h!.sandboxUrl);
    const r = await h!.service.create({ target: 'oncall', recordType: 'appointments', source: 'csv', fileName: null, mapping: t, options: runOptions({ defaults: { division }, ...over }) });
    await h!.service.stage(r.id, rowsToEvents(withRunDefaults(t, { division }), header, data));
    await h!.service.start(r.id);
    return waitForRun(h!.service, r.id);
  }

  it('stores metadata.* keys and each participant fee as mapped; the EMR id stays in its own key', async () => {
    h = await importHarness(dialect);
    const s = await run(template, rows);
    expect(s.counts).toMatchObject({ created: 2, failed: 0, invalid: 0 });
    const stored = [];
    for await (const a of h.client.appointments()) stored.push(a);
    expect(stored).toHaveLength(2);
    for (const row of rows) {
      const [appt, reason, when, minutes, kind, doctor, who, emails, fees, room, referral] = row as [string, ...string[]];
      const a = stored.find((x) => x.metadata?.emr_id === appt)!;
      expect(a, appt).toBeDefined();
      expect(a.title).toBe(reason);
      expect(Date.parse(a.datetime!)).toBe(Date.parse(when!));
      expect(a.duration).toBe(Number(minutes));
      expect(a.type).toBe(kind);
      expect(a.division).toBe(`${h.sandboxUrl}/divisions/1/`);
      expect(a.provider).toBe(`${h.sandboxUrl}/providers/${doctor}/`);
      expect(a.metadata).toEqual({ emr_id: appt, room, ...(referral ? { referral } : {}) });
      const names = who!.split(';').map((x) => x.trim());
      const mails = emails!.split(';').map((x) => x.trim());
      const feeList = fees!.split(';').map((x) => Number(x.trim()));
      const people = (a.participants ?? []).map((p) => ({ name: p.name, email: p.email, fee: Number(p.fee) }));
      expect(people).toEqual(names.map((name, i) => ({ name, email: mails[i], fee: feeList[i] })));
    }
  });

  it('refuses a mapping that writes the EMR-id metadata key, before anything is sent', async () => {
    h = await importHarness(dialect);
    const clash: MappingTemplate = { ...template, fields: { ...template.fields, 'metadata.emr_id': { column: 'room' } } };
    const s = await run(clash, rows);
    expect(s.counts).toMatchObject({ created: 0, invalid: 2 });
    const problems = await h.service.runs.problems(s.id, 0, 10);
    expect(JSON.stringify(problems.items)).toContain('metadata-key-conflict');
    const noId: MappingTemplate = { ...clash, fields: { ...clash.fields } };
    delete noId.fields.emrId;
    const s2 = await run(noId, rows);
    expect(s2.counts).toMatchObject({ created: 0, invalid: 2 });
    const stats = (await h.admin('stats')) as { appointments: number; requests: { byMethod: Record<string, number> } };
    expect(stats.appointments).toBe(0);
    expect(stats.requests.byMethod.POST ?? 0).toBe(0);
  });
});

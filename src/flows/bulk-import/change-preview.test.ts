import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../test/helpers/stores.js';
import {
  contactTemplate, fakePeople, importHarness, PEOPLE_HEADER, rowsToEvents, runOptions, stageContacts, waitForRun, type ImportHarness,
} from '../../../test/helpers/import-harness.js';
import { changePreview, describeChangePreview, type ChangePreview } from './change-preview.js';
import type { RunOptions } from './run-options.js';

/**
 * Issue 7, item 1: before "Start", the exact preview of what a run would do, computed with the
 * run's own lookups and the target's diff, writing nothing to OnCall; then the run does it.
 */
describe.each(DIALECTS)('change preview (%s)', (dialect) => {
  let h: ImportHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  type Stats = { contacts: number; requests: { byMethod: Record<string, number> } };
  const stats = async () => (await h!.admin('stats')) as Stats;

  async function imported(rows: string[][], division = '1') {
    const run = await h!.service.create({
      target: 'oncall', recordType: 'contacts', source: 'csv', fileName: 'first.csv', mapping: contactTemplate(),
      options: runOptions({ defaults: { division: `${h!.sandboxUrl}/divisions/${division}/`, provider: `${h!.sandboxUrl}/providers/1/` }, ...(division === '2' ? { emrIdField: '2' } : {}) }),
    });
    await h!.service.stage(run.id, rowsToEvents(contactTemplate(), PEOPLE_HEADER, rows));
    await h!.service.start(run.id);
    const done = await waitForRun(h!.service, run.id);
    expect(done.counts, JSON.stringify((await h!.service.runs.rows(run.id, { offset: 0, limit: 3 })).items)).toMatchObject({ created: rows.length });
  }

  /** 10 patients in clinic 1 and 3 in clinic 2, then a file that changes some of them. */
  async function scenario() {
    h = await importHarness(dialect);
    await imported(fakePeople(10));
    await imported(fakePeople(3, 20), '2');
    const file = [...fakePeople(10), ...fakePeople(4, 10), ...fakePeople(3, 20), ['emr-99', 'Bad', 'Mail', 'not-an-email', '1970-01-01', 'F']];
    for (const i of [0, 1, 2]) file[i]![3] = `new${i}@example.org`;
    for (const i of [3, 4]) {
      file[i]![3] = `changed${i}@example.org`;
      file[i]![1] = `Renamed${i}`;
    }
    return file;
  }

  const preview = async (id: string, over: Partial<RunOptions> = {}): Promise<ChangePreview> => {
    const run = await h!.service.require(id);
    const options = { ...run.options, ...over };
    const target = h!.service['deps'].targetFor({ ...run, options });
    return changePreview({ db: h!.store.db, xrefs: h!.service.xrefs, target }, { id, recordType: run.recordType, options });
  };

  it('counts exactly what a run would create, update (which fields), leave, not move and leave out, and sends nothing', async () => {
    const file = await scenario();
    const id = await stageContacts(h!, file);
    const before = await stats();
    const p = await preview(id);
    expect(p.totalRows).toBe(18);
    expect(p.counts).toEqual({ create: 4, update: 0, unchanged: 5, notUpdated: 5, move: 0, otherClinic: 3, leftOut: 1 });
    expect(p.fieldGroups.notUpdated).toEqual([
      { labels: ['E-mail'], lines: 3 },
      { labels: ['First name', 'E-mail'], lines: 2 },
    ]);
    expect(p.samples.notUpdated[0]).toMatchObject({ line: 2, name: 'FirstA LastA', emrId: 'emr-0', changes: [{ label: 'E-mail', to: 'new0@example.org' }] });
    expect(p.samples.create.map((s) => s.line)).toEqual([12, 13, 14, 15]);
    expect(p.samples.otherClinic[0]).toMatchObject({ line: 16, emrId: 'emr-20', clinic: '/divisions/2/' });
    expect(p.samples.leftOut).toEqual([{ line: 19, name: 'Bad Mail', emrId: 'emr-99', reason: expect.stringMatching(/^E-mail /) }]);
    expect(p.samples.leftOut[0]!.reason).not.toContain('not-an-email');
    const after = await stats();
    expect(after.requests.byMethod.POST ?? 0).toBe(before.requests.byMethod.POST ?? 0);
    expect(after.requests.byMethod.PATCH ?? 0).toBe(before.requests.byMethod.PATCH ?? 0);
    expect(after.contacts).toBe(13);

    // With "update existing" and "move them", the same lines change kind.
    const both = await preview(id, { updateExisting: true, moveBetweenDivisions: true });
    expect(both.counts).toEqual({ create: 4, update: 5, unchanged: 5, notUpdated: 0, move: 3, otherClinic: 0, leftOut: 1 });
    expect(both.fieldGroups.move).toEqual([{ labels: ['Clinic', 'Roster fields'], lines: 3 }]);

    const text = describeChangePreview(p).join('\n');
    expect(text).toContain('4 patient(s) would be created');
    expect(text).toContain('E-mail: 3 line(s)');
    expect(text).toContain('First name, E-mail: 2 line(s)');
    expect(text).toContain('3 patient(s) exist in another clinic, not moved');
    expect(text).toContain('line 2 FirstA LastA, EMR id emr-0: E-mail → new0@example.org');
  });

  it('matches what the run then does, line for line', async () => {
    const file = await scenario();
    const id = await stageContacts(h!, file, { updateExisting: true });
    const p = await preview(id);
    await h!.service.start(id);
    const s = await waitForRun(h!.service, id);
    expect(s.counts).toMatchObject({ created: p.counts.create, updated: p.counts.update, skipped: p.counts.unchanged + p.counts.otherClinic, invalid: p.counts.leftOut, failed: 0 });
    const updated = await h!.service.runs.rows(id, { status: 'updated', offset: 0, limit: 50 });
    expect(updated.items.map((r) => r.line)).toEqual([2, 3, 4, 5, 6]);
  });

  it('keeps samples bounded and reads rows page by page', async () => {
    h = await importHarness(dialect);
    const id = await stageContacts(h, fakePeople(1200));
    const p = await preview(id);
    expect(p.counts.create).toBe(1200);
    expect(p.samples.create).toHaveLength(5);
    expect(describeChangePreview(p)).toContain('      … and 1195 more');
  });
});

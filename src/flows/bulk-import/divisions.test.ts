import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../test/helpers/stores.js';
import { contactTemplate, fakePeople, importHarness, PEOPLE_HEADER, rowsToEvents, runOptions, waitForRun, type ImportHarness } from '../../../test/helpers/import-harness.js';

/**
 * Issue 6, item 18: importing a file into a second clinic (division) never moves the first
 * clinic's patients as a side effect. The preflight shows them; the run leaves them (and
 * creates nothing for them) unless moving was chosen.
 */
describe.each(DIALECTS)('imports into a second division (%s)', (dialect) => {
  let h: ImportHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  type Stats = { contacts: number; requests: { byMethod: Record<string, number> } };
  const stats = async () => (await h!.admin('stats')) as Stats;

  async function staged(division: string, over: Parameters<typeof runOptions>[0] = {}) {
    const run = await h!.service.create({
      target: 'oncall',
      recordType: 'contacts',
      source: 'csv',
      fileName: 'people.csv',
      mapping: contactTemplate(),
      options: runOptions({ defaults: { division: `${h!.sandboxUrl}/divisions/${division}/`, provider: `${h!.sandboxUrl}/providers/1/` }, ...over }),
    });
    await h!.service.stage(run.id, rowsToEvents(contactTemplate(), PEOPLE_HEADER, fakePeople(20)));
    return run.id;
  }

  async function divisionsOfContacts() {
    const out: string[] = [];
    for await (const c of h!.client.contacts()) out.push(/\/divisions\/\d+\//.exec(c.division!)![0]);
    return out;
  }

  async function clinicOneImported() {
    const first = await staged('1');
    await h!.service.start(first);
    expect((await waitForRun(h!.service, first)).counts.created).toBe(20);
  }

  it('by default shows the patients of another clinic before the run, then leaves them there and creates nothing for them', async () => {
    h = await importHarness(dialect);
    await clinicOneImported();
    const id = await staged('2', { updateExisting: true });
    const pre = await h.service.preflight(id);
    expect(pre).toMatchObject({ existingHere: 0, inAnotherDivision: 20, moveBetweenDivisions: false });
    expect(pre.sample).toHaveLength(10);
    expect(pre.sample[0]).toEqual({ line: 2, division: '/divisions/1/' });
    const before = await stats();
    await h.service.start(id);
    const s = await waitForRun(h.service, id);
    expect(s.counts).toMatchObject({ skipped: 20, updated: 0, created: 0, failed: 0 });
    const rows = await h.service.runs.rows(id, { offset: 0, limit: 50 });
    for (const r of rows.items) expect(r.message).toBe('exists in another clinic (/divisions/1/); not moved');
    const after = await stats();
    expect(after.requests.byMethod.PATCH ?? 0).toBe(before.requests.byMethod.PATCH ?? 0);
    expect(after.requests.byMethod.POST ?? 0).toBe(before.requests.byMethod.POST ?? 0);
    expect(after.contacts).toBe(20);
    expect(new Set(await divisionsOfContacts())).toEqual(new Set(['/divisions/1/']));
  });

  it("recognises them by the label of the clinic's own EMR-id field when the second clinic uses another field", async () => {
    h = await importHarness(dialect);
    await clinicOneImported();
    // Custom fields are per division: division 2 keeps EMR ids in its field 2 ("EMR id").
    const id = await staged('2', { emrIdField: '2', updateExisting: true });
    expect(await h.service.preflight(id)).toMatchObject({ existingHere: 0, inAnotherDivision: 20 });
    const before = await stats();
    await h.service.start(id);
    expect((await waitForRun(h.service, id)).counts).toMatchObject({ skipped: 20, created: 0, updated: 0 });
    const mid = await stats();
    expect(mid.requests.byMethod.POST ?? 0).toBe(before.requests.byMethod.POST ?? 0);
    expect(mid.requests.byMethod.PATCH ?? 0).toBe(before.requests.byMethod.PATCH ?? 0);
    expect(new Set(await divisionsOfContacts())).toEqual(new Set(['/divisions/1/']));
    // Moved on request, with the EMR id written into the new clinic's own field.
    const move = await staged('2', { emrIdField: '2', moveBetweenDivisions: true });
    await h.service.start(move);
    expect((await waitForRun(h.service, move)).counts).toMatchObject({ updated: 20, created: 0, failed: 0 });
    const c = (await h.client.contacts({ email: 'person7@example.org' }).next()).value!;
    expect(c.division).toMatch(/\/divisions\/2\/$/);
    expect(c.custom_field_values?.['2']).toBe('emr-7');
    const again = await staged('2', { emrIdField: '2' });
    expect(await h.service.preflight(again)).toMatchObject({ existingHere: 20, inAnotherDivision: 0 });
  });

  it('moves them only when asked to, and says so per line', async () => {
    h = await importHarness(dialect);
    await clinicOneImported();
    const id = await staged('2', { moveBetweenDivisions: true });
    expect(await h.service.preflight(id)).toMatchObject({ inAnotherDivision: 20, moveBetweenDivisions: true });
    const before = await stats();
    await h.service.start(id);
    const s = await waitForRun(h.service, id);
    expect(s.counts).toMatchObject({ updated: 20, created: 0, failed: 0 });
    const rows = await h.service.runs.rows(id, { offset: 0, limit: 50 });
    for (const r of rows.items) expect(r.message).toBe('moved from another clinic (/divisions/1/); updated division');
    const after = await stats();
    expect((after.requests.byMethod.PATCH ?? 0) - (before.requests.byMethod.PATCH ?? 0)).toBe(20);
    expect(after.requests.byMethod.POST ?? 0).toBe(before.requests.byMethod.POST ?? 0);
    expect(new Set(await divisionsOfContacts())).toEqual(new Set(['/divisions/2/']));
    // Back in clinic 2's terms: a re-import there finds them in place and changes nothing.
    const again = await staged('2');
    expect(await h.service.preflight(again)).toMatchObject({ existingHere: 20, inAnotherDivision: 0 });
  });
});

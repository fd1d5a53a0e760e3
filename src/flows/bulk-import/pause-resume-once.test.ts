import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../test/helpers/stores.js';
import {
  fakePeople,
  importHarness,
  stageContacts,
  waitForRun,
  type ImportHarness,
} from '../../../test/helpers/import-harness.js';
import { createLogger } from '../../logging/logger.js';
import { processChunk } from './process-chunk.js';
import { createImportTarget } from './targets/create-target.js';

/**
 * Issue 6, item 17: an update run that is paused and resumed (or a chunk run again after its
 * lease expired) sends each PATCH once, and a line's first outcome is final.
 */
describe.each(DIALECTS)('updates are sent once across pause/resume and re-runs (%s)', (dialect) => {
  let h: ImportHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const patches = async () => ((await h!.admin('stats')) as { requests: { byMethod: Record<string, number> } }).requests.byMethod.PATCH ?? 0;

  /** Every contact known, then the same file with every first name changed. */
  async function knownThenChanged(n: number) {
    const first = await stageContacts(h!, fakePeople(n));
    await h!.service.start(first);
    expect((await waitForRun(h!.service, first)).counts.created).toBe(n);
    return fakePeople(n).map((r) => [r[0]!, `${r[1]}z`, ...r.slice(2)]);
  }

  it('pausing mid-run and resuming at once PATCHes each line once and keeps the outcomes of lines done before the pause', async () => {
    h = await importHarness(dialect);
    const n = 600; // two chunks
    const changed = await knownThenChanged(n);
    await h.admin('faults', { latencyMs: 15 });
    const before = await patches();
    const id = await stageContacts(h!, changed, { updateExisting: true });
    await h.service.start(id);
    for (let s = await h.service.summary(id); s.counts.updated < 100; s = await h.service.summary(id)) await new Promise((r) => setTimeout(r, 20));
    await h.service.pause(id);
    const donePrior = await h.service.runs.rows(id, { status: 'updated', offset: 0, limit: 1000 });
    // Resumed while the paused chunk jobs are still finishing their batches.
    await h.service.resume(id);
    const s = await waitForRun(h.service, id, 120_000);
    expect(s.counts).toMatchObject({ updated: n, skipped: 0, failed: 0, created: 0 });
    expect((await patches()) - before).toBe(n);
    const after = await h.service.runs.rows(id, { offset: 0, limit: 1000 });
    const byLine = new Map(after.items.map((r) => [r.line, r]));
    expect(donePrior.items.length).toBeGreaterThan(50);
    for (const r of donePrior.items) {
      expect(byLine.get(r.line)).toMatchObject({ status: 'updated', message: r.message, partnerUrl: r.partnerUrl });
      expect(r.message).toBe('updated name, first_name');
    }
  }, 180_000);

  it('a chunk run again while its first worker is stuck after the PATCHes (lease expired) sends nothing again', async () => {
    h = await importHarness(dialect);
    const changed = await knownThenChanged(6);
    const id = await stageContacts(h!, changed, { updateExisting: true });
    expect(await h.service.runs.transition(id, ['ready'], 'running')).toBe(true);
    const run = (await h.service.require(id))!;
    const settings = { oncall: () => h!.client, oncallBaseUrl: () => h!.sandboxUrl, emrIdField: '1', emrIdMetadataKey: 'emr_id' };
    const deps = { db: h.store.db, runs: h.service.runs, xrefs: h.service.xrefs, logger: createLogger({ level: 'silent' }) };
    // Worker A sends its PATCHes for real, then freezes before recording anything, as a
    // process does that stalls or dies between the partner's answer and its own commit.
    let thaw!: () => void;
    const frozen = new Promise<void>((r) => (thaw = r));
    const real = createImportTarget(run, settings);
    const stuck = Object.assign(Object.create(real) as typeof real, {
      update: async (url: string, patch: unknown) => {
        await real.update(url, patch);
        await frozen;
      },
    });
    const before = await patches();
    const a = processChunk({ ...deps, target: stuck }, run, 0);
    for (let i = 0; (await patches()) - before < 6; i++) {
      if (i > 400) throw new Error('worker A never sent its PATCHes');
      await new Promise((r) => setTimeout(r, 25));
    }
    // Worker B takes the chunk over (A's lease expired) and finds every update already landed.
    expect(await processChunk({ ...deps, target: createImportTarget(run, settings) }, run, 0)).toBe('done');
    expect((await patches()) - before).toBe(6);
    const afterB = await h.service.runs.rows(id, { offset: 0, limit: 10 });
    expect(afterB.items.map((r) => r.status)).toEqual(Array(6).fill('updated'));
    for (const r of afterB.items) expect(r.message).toBe('updated (confirmed after an interrupted attempt)');
    // A wakes up late: its outcomes do not replace the ones already recorded, and nothing is sent.
    thaw();
    await a;
    expect((await patches()) - before).toBe(6);
    const afterA = await h.service.runs.rows(id, { offset: 0, limit: 10 });
    expect(afterA.items).toEqual(afterB.items);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, testStore, type TestStore } from '../../../test/helpers/stores.js';
import { parseRunProgress, PREPARING } from './run-progress.js';
import { runOptionsSchema } from './run-options.js';
import { RunStore } from './run-store.js';

describe('run progress as stored', () => {
  it('reads back what was written, and anything unreadable as unknown', () => {
    expect(parseRunProgress(JSON.stringify({ phase: 'preparing', checked: 200, total: 5000 }))).toEqual({ phase: 'preparing', checked: 200, total: 5000 });
    expect(parseRunProgress(JSON.stringify({ phase: 'sending' }))).toEqual({ phase: 'sending', checked: 0, total: null });
    for (const bad of [null, '', '{', '"x"', JSON.stringify({ phase: 'in_flight' }), JSON.stringify({ phase: 'preparing', checked: -3, total: 'many' })]) {
      const p = parseRunProgress(bad);
      expect(p === null || (p.checked === 0 && p.total === null)).toBe(true);
    }
  });
});

describe.each(DIALECTS)('run progress on %s', (dialect) => {
  let store: TestStore | undefined;
  afterEach(async () => {
    await store?.dispose();
    store = undefined;
  });

  it('is none before the start, set with the start, and follows the preparation', async () => {
    store = await testStore(dialect);
    const runs = new RunStore(store.db);
    const run = await runs.create({ target: 'oncall', recordType: 'contacts', source: 'csv', fileName: 'f.csv', mapping: {}, options: runOptionsSchema.parse({}) });
    expect((await runs.get(run.id))!.progress).toBeNull();
    await runs.transition(run.id, ['draft'], 'ready');
    expect(await runs.transition(run.id, ['ready'], 'running', { progress: JSON.stringify(PREPARING) })).toBe(true);
    expect((await runs.get(run.id))!.progress).toEqual({ phase: 'preparing', checked: 0, total: null });
    await runs.setProgress(run.id, { phase: 'preparing', checked: 1200, total: 5000 });
    expect((await runs.get(run.id))!.progress).toEqual({ phase: 'preparing', checked: 1200, total: 5000 });
    await runs.setProgress(run.id, { phase: 'sending', checked: 0, total: null });
    expect((await runs.list()).find((r) => r.id === run.id)!.progress).toEqual({ phase: 'sending', checked: 0, total: null });
  });
});

import type { RunOptions } from './run-options.js';
import type { ImportTarget } from './targets/import-target.js';

/** What the target's `diff` says of a line whose record the platform already holds. */
export type ExistingDiff = Awaited<ReturnType<ImportTarget['diff']>>;

/**
 * What a run does with a line whose record already exists on the platform. The run
 * (`process-chunk.ts`) acts on it and the preview (`change-preview.ts`) counts it, so both say
 * the same thing by construction:
 * - `recreate`: deleted on the platform since we created it; created again, with the same care;
 * - `unchanged`: nothing the file maps differs;
 * - `otherClinic`: the record lives in another clinic and moving was not asked: moving a
 *   patient out of a clinic is never a side effect;
 * - `move`: in another clinic, moved because the run asks for it;
 * - `notUpdated`: differs, but "update existing" was not chosen;
 * - `update`: differs, and the run updates it.
 */
export type ExistingDecision = 'recreate' | 'unchanged' | 'otherClinic' | 'move' | 'notUpdated' | 'update';

export function decideExisting(
  diff: ExistingDiff,
  options: Pick<RunOptions, 'updateExisting' | 'moveBetweenDivisions'>,
): ExistingDecision {
  if (diff === 'gone') return 'recreate';
  if (!diff) return 'unchanged';
  if (diff.fromScope) return options.moveBetweenDivisions ? 'move' : 'otherClinic';
  return options.updateExisting ? 'update' : 'notUpdated';
}

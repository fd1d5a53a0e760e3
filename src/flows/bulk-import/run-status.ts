/**
 * Lifecycle of an import run and of each of its rows.
 *
 * run:  draft → staging → ready → running ⇄ paused → completed | cancelled | failed
 * row:  invalid (never sent) | pending → in_flight → created | updated | skipped | failed
 *       pending → cancelled (run cancelled before the row was sent)
 *
 * `in_flight` is the recorded intent: it is written before the partner call, so a row found
 * in that state after a crash may have reached the partner and is resolved by a lookup.
 */
export const RUN_STATUSES = ['draft', 'staging', 'ready', 'running', 'paused', 'completed', 'cancelled', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const ROW_STATUSES = ['invalid', 'pending', 'in_flight', 'created', 'updated', 'skipped', 'failed', 'cancelled'] as const;
export type RowStatus = (typeof ROW_STATUSES)[number];

/** Rows that still need work. */
export const OPEN_ROW_STATUSES = ['pending', 'in_flight'] as const satisfies readonly RowStatus[];
/** Rows whose outcome is final. */
export const DONE_ROW_STATUSES = ['created', 'updated', 'skipped', 'failed'] as const satisfies readonly RowStatus[];

export const FINISHED_RUN_STATUSES = ['completed', 'cancelled', 'failed'] as const satisfies readonly RunStatus[];

export function isFinished(status: string): boolean {
  return (FINISHED_RUN_STATUSES as readonly string[]).includes(status);
}

/** Rows per queue job: small enough to spread over workers, large enough to batch writes. */
export const CHUNK_SIZE = 500;

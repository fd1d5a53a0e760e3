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

/** The write a row was marked `in_flight` for. */
export type WriteIntent = 'create' | 'update';

/**
 * Stored as the message of an `in_flight` row (and shown as "unconfirmed" in the report), so a
 * chunk run again after a pause, a crash or an expired lease knows which write may have
 * happened: a create is confirmed by looking the record up, an update by reading it back.
 */
export const INTENT_MESSAGE = {
  create: 'create sent; not yet confirmed',
  update: 'update sent; not yet confirmed',
} as const satisfies Record<WriteIntent, string>;

/** Which write an `in_flight` row was marked for (older rows without a marker: create). */
export function intentOf(message: string | null | undefined): WriteIntent {
  return message?.startsWith(INTENT_MESSAGE.update) ? 'update' : 'create';
}

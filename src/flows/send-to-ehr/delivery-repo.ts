import { randomUUID } from 'node:crypto';
import type { DbOrTrx } from '../../store/db.js';
import type { EhrDeliveriesTable, EhrTransactionsTable } from '../../store/schema.js';
import { TERMINAL_STATUSES, type AttemptOutcome, type DeliveryStatus } from './types.js';

/**
 * Writes to the delivery tables. Every status change is one row in `ehr_delivery_events` written
 * in the same transaction as the status itself, so the history never disagrees with the state.
 */
export type TransactionRow = EhrTransactionsTable;
export type DeliveryRow = EhrDeliveriesTable;

export function isTerminal(status: string): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export async function setStatus(
  db: DbOrTrx,
  deliveryId: string,
  status: DeliveryStatus,
  opts: { reason?: string | null; at?: string; sentAt?: string; nextAttemptAt?: string | null } = {},
): Promise<void> {
  const at = opts.at ?? new Date().toISOString();
  await db
    .updateTable('ehr_deliveries')
    .set({
      status,
      status_reason: opts.reason ?? null,
      updated_at: at,
      ...(opts.sentAt ? { sent_at: opts.sentAt } : {}),
      ...(isTerminal(status) ? { finished_at: at, next_attempt_at: null } : {}),
      ...(opts.nextAttemptAt !== undefined ? { next_attempt_at: opts.nextAttemptAt } : {}),
    })
    .where('id', '=', deliveryId)
    .execute();
  await db.insertInto('ehr_delivery_events').values({ id: randomUUID(), delivery_id: deliveryId, status, reason: opts.reason ?? null, at }).execute();
}

export async function insertDelivery(
  db: DbOrTrx,
  input: { transactionId: string; seq: number; route: string; format: string; transport: string; at: string },
): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('ehr_deliveries')
    .values({
      id,
      transaction_id: input.transactionId,
      seq: input.seq,
      route: input.route,
      format: input.format,
      transport: input.transport,
      status: 'preparation',
      status_reason: null,
      attempts: 0,
      message_name: null,
      message_preview: null,
      created_at: input.at,
      updated_at: input.at,
      sent_at: null,
      finished_at: null,
      next_attempt_at: null,
    })
    .execute();
  await db.insertInto('ehr_delivery_events').values({ id: randomUUID(), delivery_id: id, status: 'preparation', reason: null, at: input.at }).execute();
  return id;
}

/** Opens attempt `attempt` (before the bytes leave). */
export async function openAttempt(db: DbOrTrx, deliveryId: string, attempt: number, at: string): Promise<void> {
  await db.insertInto('ehr_delivery_attempts').values({ delivery_id: deliveryId, attempt, started_at: at, finished_at: null, outcome: null, ack_code: null, detail: null }).execute();
  await db.updateTable('ehr_deliveries').set({ attempts: attempt, updated_at: at }).where('id', '=', deliveryId).execute();
}

export async function closeAttempt(
  db: DbOrTrx,
  deliveryId: string,
  attempt: number,
  outcome: AttemptOutcome,
  opts: { ackCode?: string | null; detail?: string | null; at?: string } = {},
): Promise<void> {
  await db
    .updateTable('ehr_delivery_attempts')
    .set({ finished_at: opts.at ?? new Date().toISOString(), outcome, ack_code: opts.ackCode ?? null, detail: opts.detail?.slice(0, 2000) ?? null })
    .where('delivery_id', '=', deliveryId)
    .where('attempt', '=', attempt)
    .execute();
}

/** Attempts left open by a process that stopped mid-delivery (kill -9, power loss). */
export async function openAttempts(db: DbOrTrx, deliveryId: string): Promise<number[]> {
  const rows = await db.selectFrom('ehr_delivery_attempts').select('attempt').where('delivery_id', '=', deliveryId).where('finished_at', 'is', null).execute();
  return rows.map((r) => r.attempt);
}

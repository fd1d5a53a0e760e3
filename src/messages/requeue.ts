import { PostgresAdapter } from 'kysely';
import type { Db, DbOrTrx } from '../store/db.js';
import { dbNowIso } from './message-store.js';
import type { MessageStatus } from './types.js';

/**
 * Statuses a message can be sent back from. `received` is not one: a message already waiting is
 * left alone (requeuing it again would only add noise to its trace).
 */
export const REQUEUABLE_STATUSES = ['processed', 'failed', 'rejected', 'ignored'] as const satisfies readonly MessageStatus[];

/** Messages set back to waiting by one call at most: one transaction stays short. */
export const MAX_REQUEUE = 10_000;

/** Ids per statement: under SQLite's 32,766 bound variables even for the 4-column event insert. */
const CHUNK = 1000;

/** Which messages to send back (every criterion given must hold). Times are ISO text, UTC. */
export interface RequeueFilter {
  status?: MessageStatus;
  /** `ADT` (MSH-9.1). */
  messageType?: string;
  /** `A08` (MSH-9.2). */
  event?: string;
  channel?: string;
  patientId?: string;
  /** Received at or after this time. */
  since?: string;
  /** Received strictly before this time. */
  before?: string;
}

export interface RequeueRequest {
  ids?: number[];
  filter?: RequeueFilter;
}

export interface RequeueResult {
  /** Messages set back to `received`. */
  requeued: number;
  /** Their ids, oldest first. */
  ids: number[];
  /** Messages that matched too but were beyond this call's bound: call again for them. */
  left: number;
}

/**
 * Reprocessing (issue 8, "Seeing it work": failed messages can be reprocessed one by one or in
 * bulk). Matching messages go back to `received`, their error cleared, each with a trace event
 * `decision` `{action: 'reprocess requested', by, from}`; the processor then takes them as any
 * waiting message, per patient in id order, and skips what OnCall already holds (exactly once).
 *
 * One transaction: either every selected message is back in the queue with its trace event, or
 * none is. Oldest first and bounded by `MAX_REQUEUE`, so a second call continues where the first
 * stopped; `left` says how many still match. `requestedBy` names the operator or API key (never
 * patient data). The caller wakes the processor.
 */
export async function requeueMessages(db: Db, req: RequeueRequest, requestedBy: string): Promise<RequeueResult> {
  if (req.ids !== undefined && req.ids.length > MAX_REQUEUE) throw new RangeError(`at most ${MAX_REQUEUE} message ids per call`);
  if (req.ids !== undefined && req.ids.length === 0) return { requeued: 0, ids: [], left: 0 };
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return db.transaction().execute(async (trx) => {
    let pick = matching(trx, req).select(['m.id', 'm.status']).orderBy('m.id').limit(MAX_REQUEUE);
    // PostgreSQL: lock the rows so a processor finishing one of them cannot interleave between
    // this read and the update (SQLite's BEGIN IMMEDIATE already holds the only write lock).
    if (postgres) pick = pick.forUpdate();
    const rows = await pick.execute();
    const from = new Map(rows.map((r) => [Number(r.id), r.status]));
    const ids = [...from.keys()];
    const now = dbNowIso(trx);
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      await trx
        .updateTable('messages')
        .set({ status: 'received', error: null, processed_at: null })
        .where('id', 'in', chunk)
        .execute();
      await trx
        .insertInto('message_events')
        .values(chunk.map((id) => ({ message_id: id, at: now, kind: 'decision', detail: JSON.stringify({ action: 'reprocess requested', by: requestedBy, from: from.get(id) }) })))
        .execute();
    }
    // What still matches now that these are waiting is exactly what the bound left out.
    const rest = await matching(trx, req)
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirstOrThrow();
    return { requeued: ids.length, ids, left: Number(rest.n) };
  });
}

/**
 * How many messages `requeueMessages` would set back to waiting now (before its bound), so a
 * person can be asked before a bulk request. Read-only; the answer can change before the call.
 */
export async function countRequeuable(db: DbOrTrx, req: RequeueRequest): Promise<number> {
  if (req.ids !== undefined && req.ids.length > MAX_REQUEUE) throw new RangeError(`at most ${MAX_REQUEUE} message ids per call`);
  if (req.ids !== undefined && req.ids.length === 0) return 0;
  const r = await matching(db, req)
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Messages of the request in a requeuable status (the `status` filter narrows it further). */
function matching(db: DbOrTrx, req: RequeueRequest) {
  const f = req.filter ?? {};
  let q = db.selectFrom('messages as m').where('m.status', 'in', REQUEUABLE_STATUSES);
  if (req.ids !== undefined) {
    // At most MAX_REQUEUE ids (checked above): one statement's bound variables.
    q = q.where('m.id', 'in', req.ids);
  }
  if (f.status !== undefined) q = q.where('m.status', '=', f.status);
  if (f.messageType !== undefined) q = q.where('m.message_type', '=', f.messageType);
  if (f.event !== undefined) q = q.where('m.event', '=', f.event);
  if (f.channel !== undefined) q = q.where('m.channel', '=', f.channel);
  if (f.since !== undefined) q = q.where('m.received_at', '>=', f.since);
  if (f.before !== undefined) q = q.where('m.received_at', '<', f.before);
  if (f.patientId !== undefined) {
    const pid = f.patientId;
    q = q.where('m.id', 'in', (eb) => eb.selectFrom('message_patients').select('message_id').where('patient_id', '=', pid));
  }
  return q;
}

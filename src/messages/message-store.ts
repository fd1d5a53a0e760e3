import { createHash } from 'node:crypto';
import { PostgresAdapter, sql, type RawBuilder, type Selectable } from 'kysely';
import type { Db, DbOrTrx, Dialect } from '../store/db.js';
import type { MessagesTable } from '../store/schema.js';
import { GroupCommit } from './group-commit.js';
import { dedupKey, writeBatchRows, type BatchRow } from './write-batch.js';
import type {
  IncomingMessage,
  MessageDetail,
  MessageFilter,
  MessagePage,
  MessageStatus,
  MessageSummary,
  MessageTraceEvent,
  StoredReceipt,
  TraceKind,
} from './types.js';

/** The database's clock as the ISO text every timestamp column holds (one clock for every process). */
export function dbNowIso(db: DbOrTrx): RawBuilder<string> {
  return db.getExecutor().adapter instanceof PostgresAdapter
    ? sql<string>`to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
    : sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
}

export function contentHash(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex');
}

const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

export interface MessageStoreOptions {
  /** Largest batch of one group commit. */
  maxBatch?: number;
  /**
   * Batches committed at once (default: 1 on SQLite, its single writer; 2 on PostgreSQL, so one
   * batch gathers while the other waits for its WAL flush).
   */
  maxConcurrentCommits?: number;
}

/**
 * The message store: inbound messages written durably as received, before their ACK.
 *
 * `receive()` goes through a group commit (see group-commit.ts): concurrent messages from many
 * connections share one transaction. Within a batch and against the table, a message with the
 * same (control id, sending application, sending facility, channel, content) as a stored one is
 * a resend: it is not stored again, its `times_received` goes up and it gets the stored ACK.
 */
export class MessageStore {
  private readonly writer: GroupCommit<IncomingMessage, StoredReceipt>;

  constructor(
    readonly db: Db,
    readonly dialect: Dialect,
    opts: MessageStoreOptions = {},
  ) {
    this.writer = new GroupCommit((batch) => this.writeBatch(batch), {
      maxBatch: opts.maxBatch ?? 200,
      maxConcurrent: opts.maxConcurrentCommits ?? (dialect === 'postgres' ? 2 : 1),
    });
  }

  get commitStats(): { batches: number; items: number; largestBatch: number } {
    return { ...this.writer.stats };
  }

  /** Stores one message durably (resolves once committed) and returns the ACK to send. */
  receive(msg: IncomingMessage): Promise<StoredReceipt> {
    return this.writer.submit(msg);
  }

  private async writeBatch(batch: IncomingMessage[]): Promise<StoredReceipt[]> {
    // Two copies in one batch (a resend on a second connection while the first is in flight):
    // the first is written, the others take its outcome (and all count in times_received).
    const leaders = new Map<string, BatchRow>();
    const keys = batch.map((msg) => {
      const hash = msg.contentHash ?? contentHash(msg.raw);
      const key = dedupKey(msg, hash).join('\u0000');
      const leader = leaders.get(key);
      if (leader) leader.copies++;
      else leaders.set(key, { msg, hash, copies: 1 });
      return key;
    });
    const rows = [...leaders.values()];
    const receipts = await writeBatchRows(this.db, this.dialect, rows);
    const outcome = new Map<BatchRow, StoredReceipt>();
    rows.forEach((r, i) => outcome.set(r, receipts[i]!));
    const seen = new Set<string>();
    return keys.map((key) => {
      const r = outcome.get(leaders.get(key)!)!;
      if (seen.has(key)) return { ...r, duplicate: true };
      seen.add(key);
      return r;
    });
  }

  /** Adds one trace event (parsed, decision, call, error) to a message. */
  async addTrace(messageId: number, kind: TraceKind, detail: unknown, db: DbOrTrx = this.db): Promise<void> {
    await db.insertInto('message_events').values({ message_id: messageId, at: dbNowIso(db), kind, detail: JSON.stringify(detail ?? null) }).execute();
  }

  /** Moves a message on (processing); `error` is operator text without patient data. */
  async setStatus(messageId: number, status: MessageStatus, opts: { error?: string | null; countAttempt?: boolean } = {}, db: DbOrTrx = this.db): Promise<void> {
    await db
      .updateTable('messages')
      .set((eb) => ({
        status,
        error: opts.error ?? null,
        ...(status === 'processed' || status === 'failed' ? { processed_at: dbNowIso(db) } : {}),
        ...(opts.countAttempt ? { attempts: eb('attempts', '+', 1) } : {}),
      }))
      .where('id', '=', messageId)
      .execute();
  }

  /** Newest first, keyset-paged by (received_at, id); every filter is an index lookup. */
  async list(filter: MessageFilter = {}): Promise<MessagePage> {
    const limit = Math.min(Math.max(filter.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
    let q = this.db.selectFrom('messages as m').select(SUMMARY_COLUMNS);
    if (filter.patientId !== undefined) {
      const pid = filter.patientId;
      q = q.where('m.id', 'in', (eb) => eb.selectFrom('message_patients').select('message_id').where('patient_id', '=', pid));
    }
    if (filter.status) q = q.where('m.status', '=', filter.status);
    if (filter.messageType) q = q.where('m.message_type', '=', filter.messageType);
    if (filter.event) q = q.where('m.event', '=', filter.event);
    if (filter.controlId !== undefined) q = q.where('m.control_id', '=', filter.controlId);
    if (filter.channel) q = q.where('m.channel', '=', filter.channel);
    if (filter.since) q = q.where('m.received_at', '>=', filter.since);
    const before = filter.before;
    if (before) {
      q = q.where((eb) =>
        eb.or([eb('m.received_at', '<', before.receivedAt), eb.and([eb('m.received_at', '=', before.receivedAt), eb('m.id', '<', before.id)])]),
      );
    }
    const rows = await q.orderBy('m.received_at', 'desc').orderBy('m.id', 'desc').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    const patients = await this.patientsOf(page.map((r) => Number(r.id)));
    const items = page.map((r) => summary(r, patients.get(Number(r.id)) ?? []));
    const last = items[items.length - 1];
    return { items, next: rows.length > limit && last ? { receivedAt: last.receivedAt, id: last.id } : null };
  }

  async get(id: number): Promise<MessageDetail | undefined> {
    const row = await this.db.selectFrom('messages as m').selectAll().where('m.id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const [patients, trace] = await Promise.all([this.patientsOf([id]), this.trace(id)]);
    return {
      ...summary(row, patients.get(id) ?? []),
      remoteAddress: row.remote_address,
      contentHash: row.content_hash,
      rawTruncated: row.raw_truncated === 1,
      raw: Buffer.from(row.raw),
      ack: row.ack ? Buffer.from(row.ack) : null,
      trace,
    };
  }

  async trace(id: number): Promise<MessageTraceEvent[]> {
    const rows = await this.db.selectFrom('message_events').select(['id', 'at', 'kind', 'detail']).where('message_id', '=', id).orderBy('id').execute();
    return rows.map((r) => ({ id: Number(r.id), at: r.at, kind: r.kind as TraceKind, detail: parseJson(r.detail) }));
  }

  private async patientsOf(ids: number[]): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    if (ids.length === 0) return out;
    const rows = await this.db.selectFrom('message_patients').select(['message_id', 'patient_id']).where('message_id', 'in', ids).execute();
    for (const r of rows) {
      const id = Number(r.message_id);
      const list = out.get(id) ?? [];
      list.push(r.patient_id);
      out.set(id, list);
    }
    return out;
  }
}

const SUMMARY_COLUMNS = [
  'm.id',
  'm.channel',
  'm.received_at',
  'm.last_received_at',
  'm.times_received',
  'm.status',
  'm.status_reason',
  'm.message_type',
  'm.event',
  'm.version',
  'm.control_id',
  'm.sending_application',
  'm.sending_facility',
  'm.size_bytes',
  'm.ack_code',
  'm.error',
  'm.attempts',
  'm.processed_at',
] as const;

type SummaryRow = Pick<Selectable<MessagesTable>, (typeof SUMMARY_COLUMNS)[number] extends `m.${infer C}` ? C & keyof MessagesTable : never>;

function summary(r: SummaryRow, patientIds: string[]): MessageSummary {
  return {
    id: Number(r.id),
    channel: r.channel,
    receivedAt: r.received_at,
    lastReceivedAt: r.last_received_at,
    timesReceived: Number(r.times_received),
    status: r.status as MessageStatus,
    statusReason: r.status_reason,
    messageType: r.message_type,
    event: r.event,
    version: r.version,
    controlId: r.control_id,
    sendingApplication: r.sending_application,
    sendingFacility: r.sending_facility,
    sizeBytes: Number(r.size_bytes),
    ackCode: r.ack_code,
    error: r.error,
    attempts: Number(r.attempts),
    processedAt: r.processed_at,
    patientIds,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

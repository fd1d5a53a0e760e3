import { createHash } from 'node:crypto';
import { PostgresAdapter, sql, type RawBuilder, type Selectable } from 'kysely';
import type { Db, DbOrTrx, Dialect } from '../store/db.js';
import type { MessagesTable } from '../store/schema.js';
import { GroupCommit } from './group-commit.js';
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

interface Prepared {
  msg: IncomingMessage;
  hash: string;
  key: string;
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
    const prepared: Prepared[] = batch.map((msg) => {
      const hash = contentHash(msg.raw);
      const h = msg.header;
      return { msg, hash, key: JSON.stringify([h?.controlId ?? '', h?.sendingApplication ?? '', h?.sendingFacility ?? '', msg.channel, hash]) };
    });
    // Two copies in one batch (a resend on a second connection while the first is in flight):
    // the first is written, the others take its outcome.
    const leaders = new Map<string, Prepared>();
    const copies = new Map<string, number>();
    for (const p of prepared) {
      if (!leaders.has(p.key)) leaders.set(p.key, p);
      copies.set(p.key, (copies.get(p.key) ?? 0) + 1);
    }

    const outcome = await this.db.transaction().execute(async (trx) => {
      const now = dbNowIso(trx);
      const rows = [...leaders.values()].map(({ msg, hash, key }) => ({
        channel: msg.channel,
        received_at: now,
        last_received_at: now,
        times_received: copies.get(key) ?? 1,
        remote_address: msg.remoteAddress ?? null,
        raw: msg.raw,
        size_bytes: msg.sizeBytes ?? msg.raw.length,
        raw_truncated: msg.sizeBytes !== undefined && msg.sizeBytes > msg.raw.length ? 1 : 0,
        content_hash: hash,
        message_type: msg.header?.messageType ?? '',
        event: msg.header?.event ?? '',
        version: msg.header?.version ?? '',
        control_id: msg.header?.controlId ?? '',
        sending_application: msg.header?.sendingApplication ?? '',
        sending_facility: msg.header?.sendingFacility ?? '',
        status: msg.status,
        status_reason: msg.statusReason ?? null,
        ack: msg.ack,
        ack_code: msg.ackCode,
        error: msg.error ?? null,
      }));
      const inserted = await trx
        .insertInto('messages')
        .values(rows)
        .onConflict((oc) => oc.columns(['control_id', 'sending_application', 'sending_facility', 'channel', 'content_hash']).doNothing())
        .returning(['id', 'control_id', 'sending_application', 'sending_facility', 'channel', 'content_hash'])
        .execute();
      const result = new Map<string, StoredReceipt>();
      for (const r of inserted) {
        const key = JSON.stringify([r.control_id, r.sending_application, r.sending_facility, r.channel, r.content_hash]);
        const leader = leaders.get(key);
        if (leader) result.set(key, { id: Number(r.id), ack: leader.msg.ack, duplicate: false, status: leader.msg.status });
      }

      const patients: { patient_id: string; message_id: number }[] = [];
      const events: { message_id: number; at: RawBuilder<string>; kind: TraceKind; detail: string }[] = [];
      for (const [key, { msg }] of leaders) {
        const stored = result.get(key);
        if (stored) {
          for (const pid of new Set(msg.patientIds)) if (pid) patients.push({ patient_id: pid, message_id: stored.id });
          if (msg.parsed) events.push({ message_id: stored.id, at: now, kind: 'parsed', detail: JSON.stringify(msg.parsed) });
          continue;
        }
        // Already in the table: a resend. Same ACK as the first time; counted, not stored.
        const h = msg.header;
        const existing = await trx
          .selectFrom('messages')
          .select(['id', 'ack', 'status'])
          .where('control_id', '=', h?.controlId ?? '')
          .where('sending_application', '=', h?.sendingApplication ?? '')
          .where('sending_facility', '=', h?.sendingFacility ?? '')
          .where('channel', '=', msg.channel)
          .where('content_hash', '=', leaders.get(key)!.hash)
          .executeTakeFirstOrThrow();
        await trx
          .updateTable('messages')
          .set((eb) => ({ times_received: eb('times_received', '+', copies.get(key) ?? 1), last_received_at: now }))
          .where('id', '=', existing.id)
          .execute();
        result.set(key, { id: Number(existing.id), ack: existing.ack, duplicate: true, status: existing.status as MessageStatus });
      }
      if (patients.length > 0) await trx.insertInto('message_patients').values(patients).onConflict((oc) => oc.doNothing()).execute();
      if (events.length > 0) await trx.insertInto('message_events').values(events).execute();
      return result;
    });

    const seen = new Set<string>();
    return prepared.map((p) => {
      const r = outcome.get(p.key)!;
      if (seen.has(p.key)) return { ...r, duplicate: true };
      seen.add(p.key);
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

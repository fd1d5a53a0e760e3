import { CompiledQuery } from 'kysely';
import type { Db, DbOrTrx, Dialect } from '../store/db.js';
import type { IncomingMessage, MessageStatus, StoredReceipt } from './types.js';

/**
 * One group-commit batch of inbound messages written in as few statements as the database
 * allows: the MLLP hot path (issue 8, "ACK after the durable write") waits for this, so every
 * round trip and every query built object by object is latency on every ACK.
 *
 * - PostgreSQL: ONE statement, committed on its own (autocommit). Data-modifying CTEs insert
 *   the messages, their patients and their `parsed` trace events together, from arrays
 *   (`unnest`), so the SQL text is the same for every batch size. A single statement is one
 *   transaction: all of the batch or nothing. `synchronous_commit` stays on: the reply comes
 *   after the WAL flush, which is what the ACK promises.
 *   https://www.postgresql.org/docs/15/queries-with.html#QUERIES-WITH-MODIFYING
 * - SQLite: one `begin immediate` transaction, one multi-row INSERT ... RETURNING per table,
 *   prepared once per batch size (src/store/db.ts caches statements by text). The store runs in
 *   WAL mode with synchronous=NORMAL (src/store/db.ts): a commit is durable against a crash of
 *   the process (kill -9, OOM), not against a power loss, which would need an fsync per commit
 *   (synchronous=FULL, ~4 ms on this project's CI disk: it would cap 8 senders at ~2,000 msg/s).
 *   Kept NORMAL, the engine-wide choice, rather than a stricter mode for this table alone: one
 *   connection serves every table, and a deployment that needs power-loss durability for
 *   acknowledged messages runs on PostgreSQL.
 *   https://www.sqlite.org/pragma.html#pragma_synchronous
 *
 * Resends (a row with the same key is already stored) are the rare path: one UPDATE ...
 * RETURNING each, giving back the stored ACK.
 */
export interface BatchRow {
  msg: IncomingMessage;
  /** SHA-256 of the raw bytes, hex. */
  hash: string;
  /** Copies of this message in the batch (all counted in times_received). */
  copies: number;
}

/** The five columns of the de-duplication key (messages_dedup_idx), in order. */
type DedupKey = [controlId: string, sendingApplication: string, sendingFacility: string, channel: string, contentHash: string];

export function dedupKey(msg: IncomingMessage, hash: string): DedupKey {
  const h = msg.header;
  return [h?.controlId ?? '', h?.sendingApplication ?? '', h?.sendingFacility ?? '', msg.channel, hash];
}

/** Columns of `messages` written on arrival, in the order of the values below. */
const COLUMNS = [
  'channel',
  'times_received',
  'remote_address',
  'raw',
  'size_bytes',
  'raw_truncated',
  'content_hash',
  'message_type',
  'event',
  'version',
  'control_id',
  'sending_application',
  'sending_facility',
  'status',
  'status_reason',
  'ack',
  'ack_code',
  'error',
] as const;

function values(r: BatchRow): unknown[] {
  const { msg } = r;
  const [controlId, app, facility, channel, hash] = dedupKey(msg, r.hash);
  return [
    channel,
    r.copies,
    msg.remoteAddress ?? null,
    msg.raw,
    msg.sizeBytes ?? msg.raw.length,
    msg.sizeBytes !== undefined && msg.sizeBytes > msg.raw.length ? 1 : 0,
    hash,
    msg.header?.messageType ?? '',
    msg.header?.event ?? '',
    msg.header?.version ?? '',
    controlId,
    app,
    facility,
    msg.status,
    msg.statusReason ?? null,
    msg.ack,
    msg.ackCode,
    msg.error ?? null,
  ];
}

/**
 * Writes the batch (keys unique within it) and returns one receipt per row, in order. Throws
 * when nothing of the batch may be acknowledged (its statement or transaction failed).
 */
export async function writeBatchRows(db: Db, dialect: Dialect, rows: BatchRow[]): Promise<StoredReceipt[]> {
  return dialect === 'postgres' ? writePostgres(db, rows) : writeSqlite(db, rows);
}

// --- PostgreSQL -----------------------------------------------------------------------------

const PG_TYPES: Record<(typeof COLUMNS)[number], string> = {
  channel: 'text',
  times_received: 'int',
  remote_address: 'text',
  raw: 'bytea',
  size_bytes: 'int',
  raw_truncated: 'int',
  content_hash: 'text',
  message_type: 'text',
  event: 'text',
  version: 'text',
  control_id: 'text',
  sending_application: 'text',
  sending_facility: 'text',
  status: 'text',
  status_reason: 'text',
  ack: 'bytea',
  ack_code: 'text',
  error: 'text',
};

const PG_NOW = `to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const KEY_COLUMNS = 'control_id, sending_application, sending_facility, channel, content_hash';
const n = COLUMNS.length;

/**
 * `ord` is the row's 1-based place in the batch: messages get ids in that order (one sender's
 * messages are never in one batch twice, it waits for each ACK; the order still follows arrival).
 */
const PG_INSERT = `
with v as (
  select * from unnest(${COLUMNS.map((c, i) => `$${i + 1}::${PG_TYPES[c]}[]`).join(', ')})
    with ordinality as v(${COLUMNS.join(', ')}, ord)
),
t as (select ${PG_NOW} as now),
ins as (
  insert into messages (received_at, last_received_at, ${COLUMNS.join(', ')})
  select t.now, t.now, ${COLUMNS.map((c) => `v.${c}`).join(', ')} from v cross join t order by v.ord
  on conflict (${KEY_COLUMNS}) do nothing
  returning id, ${KEY_COLUMNS}
),
stored as (select ins.id, v.ord from ins join v using (${KEY_COLUMNS})),
pats as (
  insert into message_patients (patient_id, message_id)
  select p.patient_id, stored.id from unnest($${n + 1}::int[], $${n + 2}::text[]) as p(ord, patient_id) join stored using (ord)
  on conflict do nothing
),
evs as (
  insert into message_events (message_id, at, kind, detail)
  select stored.id, t.now, 'parsed', e.detail from unnest($${n + 3}::int[], $${n + 4}::text[]) as e(ord, detail) join stored using (ord) cross join t
  order by stored.id
)
select id, ord from stored`;

async function writePostgres(db: Db, rows: BatchRow[]): Promise<StoredReceipt[]> {
  const columns: unknown[][] = COLUMNS.map(() => []);
  const patientOrd: number[] = [];
  const patientIds: string[] = [];
  const eventOrd: number[] = [];
  const eventDetail: string[] = [];
  rows.forEach((r, i) => {
    values(r).forEach((v, c) => columns[c]!.push(v));
    for (const pid of new Set(r.msg.patientIds)) {
      if (!pid) continue;
      patientOrd.push(i + 1);
      patientIds.push(pid);
    }
    if (r.msg.parsed) {
      eventOrd.push(i + 1);
      eventDetail.push(JSON.stringify(r.msg.parsed));
    }
  });
  const res = await db.executeQuery<{ id: string | number; ord: string | number }>(
    CompiledQuery.raw(PG_INSERT, [...columns, patientOrd, patientIds, eventOrd, eventDetail]),
  );
  const ids = new Map<number, number>();
  for (const r of res.rows) ids.set(Number(r.ord), Number(r.id));
  const out: StoredReceipt[] = [];
  for (const [i, r] of rows.entries()) {
    const id = ids.get(i + 1);
    // Not inserted: already stored (a resend), possibly by a batch committed concurrently; this
    // statement sees it now (read committed).
    out.push(id !== undefined ? { id, ack: r.msg.ack, duplicate: false, status: r.msg.status } : await countResend(db, r, PG_NOW));
  }
  return out;
}

// --- SQLite ---------------------------------------------------------------------------------

const SQLITE_NOW = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
/** SQL text per batch size (a batch holds at most maxBatch rows: a bounded set). */
const sqliteInserts = new Map<number, string>();
const sqliteLinks = new Map<string, string>();

function sqliteInsert(count: number): string {
  let text = sqliteInserts.get(count);
  if (!text) {
    const row = `(${SQLITE_NOW}, ${SQLITE_NOW}, ${COLUMNS.map(() => '?').join(', ')})`;
    text =
      `insert into messages (received_at, last_received_at, ${COLUMNS.join(', ')}) values ${Array.from({ length: count }, () => row).join(', ')}` +
      ` on conflict (${KEY_COLUMNS}) do nothing returning id, ${KEY_COLUMNS}`;
    sqliteInserts.set(count, text);
  }
  return text;
}

function sqliteLinkInsert(table: 'message_patients' | 'message_events', count: number): string {
  const k = `${table}:${count}`;
  let text = sqliteLinks.get(k);
  if (!text) {
    text =
      table === 'message_patients'
        ? `insert into message_patients (patient_id, message_id) values ${Array.from({ length: count }, () => '(?, ?)').join(', ')} on conflict do nothing`
        : `insert into message_events (message_id, at, kind, detail) values ${Array.from({ length: count }, () => `(?, ${SQLITE_NOW}, 'parsed', ?)`).join(', ')}`;
    sqliteLinks.set(k, text);
  }
  return text;
}

/** Rows per INSERT: 18 values a row stays far below SQLite's 32,766 host parameters. */
const SQLITE_CHUNK = 500;

async function writeSqlite(db: Db, rows: BatchRow[]): Promise<StoredReceipt[]> {
  return db.transaction().execute(async (trx) => {
    const ids = new Map<string, number>();
    for (let at = 0; at < rows.length; at += SQLITE_CHUNK) {
      const chunk = rows.slice(at, at + SQLITE_CHUNK);
      const res = await trx.executeQuery<{ id: number; control_id: string; sending_application: string; sending_facility: string; channel: string; content_hash: string }>(
        CompiledQuery.raw(sqliteInsert(chunk.length), chunk.flatMap(values)),
      );
      for (const r of res.rows) ids.set(keyText([r.control_id, r.sending_application, r.sending_facility, r.channel, r.content_hash]), Number(r.id));
    }
    const patients: unknown[] = [];
    const events: unknown[] = [];
    const out: StoredReceipt[] = [];
    for (const r of rows) {
      const id = ids.get(keyText(dedupKey(r.msg, r.hash)));
      if (id === undefined) {
        out.push(await countResend(trx, r, SQLITE_NOW));
        continue;
      }
      for (const pid of new Set(r.msg.patientIds)) if (pid) patients.push(pid, id);
      if (r.msg.parsed) events.push(id, JSON.stringify(r.msg.parsed));
      out.push({ id, ack: r.msg.ack, duplicate: false, status: r.msg.status });
    }
    await insertPairs(trx, 'message_patients', patients);
    await insertPairs(trx, 'message_events', events);
    return out;
  });
}

async function insertPairs(trx: DbOrTrx, table: 'message_patients' | 'message_events', flat: unknown[]): Promise<void> {
  for (let at = 0; at < flat.length; at += 2 * SQLITE_CHUNK) {
    const part = flat.slice(at, at + 2 * SQLITE_CHUNK);
    await trx.executeQuery(CompiledQuery.raw(sqliteLinkInsert(table, part.length / 2), part));
  }
}

function keyText(k: DedupKey): string {
  return k.join('\u0000');
}

// --- both -----------------------------------------------------------------------------------

const RESEND_SQL = (now: string, dialect: 'pg' | 'sqlite'): string => {
  const p = (i: number): string => (dialect === 'pg' ? `$${i}` : '?');
  return (
    `update messages set times_received = times_received + ${p(1)}, last_received_at = ${now}` +
    ` where control_id = ${p(2)} and sending_application = ${p(3)} and sending_facility = ${p(4)} and channel = ${p(5)} and content_hash = ${p(6)}` +
    ` returning id, ack, status`
  );
};
const PG_RESEND = RESEND_SQL(PG_NOW, 'pg');
const SQLITE_RESEND = RESEND_SQL(SQLITE_NOW, 'sqlite');

/** A resend: counted on the stored row, answered with the ACK stored with the first copy. */
async function countResend(db: DbOrTrx, r: BatchRow, now: string): Promise<StoredReceipt> {
  const res = await db.executeQuery<{ id: string | number; ack: Buffer | Uint8Array | null; status: string }>(
    CompiledQuery.raw(now === PG_NOW ? PG_RESEND : SQLITE_RESEND, [r.copies, ...dedupKey(r.msg, r.hash)]),
  );
  const row = res.rows[0];
  // Gone between the conflict and now (an operator purge): nothing to answer; the sender resends.
  if (!row) throw new Error('message store: a resent message vanished while it was being counted');
  return { id: Number(row.id), ack: row.ack ? Buffer.from(row.ack) : null, duplicate: true, status: row.status as MessageStatus };
}

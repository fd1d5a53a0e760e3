import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * The message store (issue 8, "the spine"): every inbound message is stored as received, before
 * it is acknowledged, then processed from the store.
 *
 * - `messages.id` is an integer sequence: the order of arrival on one connection (a sender waits
 *   for each ACK), which per-patient processing follows. Messages committed concurrently (other
 *   connections, other processes on PostgreSQL) may become visible out of id order: a processor
 *   picks `status = 'received'` rows, never "ids above the last one seen". Listing pages by
 *   (received_at, id); received_at is the database's clock.
 * - `raw` keeps the bytes exactly as they came (bytea / blob): the charset is part of the
 *   message, and a message that is not HL7 at all is kept for inspection.
 * - De-duplication: one row per (control id, sending application, sending facility, channel,
 *   content hash). A resend after a lost ACK hits that row and gets the stored `ack` again;
 *   the same control id with other content is another message (some feeds reuse ids).
 * - `message_patients` makes "patient=" an index lookup, never a scan of bodies.
 * - `message_events` is the trace (parsed, decision, call, error) the Sync page shows.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const bytes = pg ? sql`bytea` : sql`blob`;

  await db.schema
    .createTable('messages')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('last_received_at', 'text', (c) => c.notNull())
    .addColumn('times_received', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('remote_address', 'text')
    .addColumn('raw', bytes, (c) => c.notNull())
    /** Size of the message as received (larger than `raw` when only its start was kept). */
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('raw_truncated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('message_type', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('control_id', 'text', (c) => c.notNull())
    .addColumn('sending_application', 'text', (c) => c.notNull())
    .addColumn('sending_facility', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('ack', bytes)
    .addColumn('ack_code', 'text')
    .addColumn('error', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('processed_at', 'text')
    .execute();

  await db.schema
    .createIndex('messages_dedup_idx')
    .on('messages')
    .columns(['control_id', 'sending_application', 'sending_facility', 'channel', 'content_hash'])
    .unique()
    .execute();
  await db.schema.createIndex('messages_time_idx').on('messages').columns(['received_at', 'id']).execute();
  await db.schema.createIndex('messages_status_idx').on('messages').columns(['status', 'received_at', 'id']).execute();
  // Type, newest first; an event filter (A08 of ADT) reads this index in order and checks the
  // row: one index less on every insert.
  await db.schema.createIndex('messages_type_idx').on('messages').columns(['message_type', 'received_at', 'id']).execute();

  await db.schema
    .createTable('message_patients')
    .addColumn('patient_id', 'text', (c) => c.notNull())
    .addColumn('message_id', pg ? 'bigint' : 'integer', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('message_patients_pk', ['patient_id', 'message_id'])
    .execute();
  await db.schema.createIndex('message_patients_message_idx').on('message_patients').columns(['message_id']).execute();

  await db.schema
    .createTable('message_events')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('message_id', pg ? 'bigint' : 'integer', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('message_events_message_idx').on('message_events').columns(['message_id', 'id']).execute();
}

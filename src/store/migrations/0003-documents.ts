import type { Kysely } from 'kysely';

/**
 * Document delivery to hospital EHRs (issue 3) and the OAuth clients of the FHIR API.
 *
 * Document bytes are stored as base64 text in their own table (`ehr_document_blobs`), not as
 * files under the data directory: with PostgreSQL, queue workers run on several machines and
 * a file on one machine's disk is invisible to the others; in the database the bytes are
 * committed in the same transaction as the request and its delivery job (accept durably or not
 * at all), backed up with everything else, and purged by deleting one row. base64 text (not a
 * blob column) keeps the schema to the portable subset; it is also the form the client sent and
 * the form HL7 OBX-5 needs. A separate table keeps 27 MB values out of every listing query.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oauth_clients')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    /** Space-separated scopes the client may be granted (functional or technical). */
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema
    .createTable('oauth_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull().references('oauth_clients.id').onDelete('cascade'))
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('audience', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oauth_tokens_expiry_idx').on('oauth_tokens').columns(['expires_at']).execute();

  // One row per $send-to-ehr transaction (the CommunicationRequest). Kept as a tombstone after
  // the tracking period (`expired_at` set, details cleared) so tracking can answer 410, not 404.
  await db.schema
    .createTable('ehr_transactions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_name', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('patient_id', 'text', (c) => c.notNull())
    .addColumn('encounter_id', 'text')
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('loinc', 'text', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('sender_rpps', 'text')
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('route', 'text', (c) => c.notNull())
    .addColumn('control_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('tracking_until', 'text', (c) => c.notNull())
    .addColumn('blob_purged_at', 'text')
    .addColumn('expired_at', 'text')
    .execute();
  await db.schema.createIndex('ehr_transactions_created_idx').on('ehr_transactions').columns(['created_at']).execute();
  await db.schema.createIndex('ehr_transactions_tracking_idx').on('ehr_transactions').columns(['tracking_until']).execute();

  // In chunks of 96 KiB of base64 (a multiple of 4: each decodes on its own), so neither the
  // insert nor the read ever binds or returns one 27 MB value: drivers copy a bound value (twice
  // for SQLite), and the memory budget is 10x the document for the whole request.
  await db.schema
    .createTable('ehr_document_blobs')
    .addColumn('transaction_id', 'text', (c) => c.notNull().references('ehr_transactions.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('data_base64', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('ehr_document_blobs_pk', ['transaction_id', 'seq'])
    .execute();

  // The same request content within the de-duplication window maps to one transaction. The
  // key row is claimed with an upsert so two concurrent identical requests cannot both win.
  await db.schema
    .createTable('ehr_request_keys')
    .addColumn('request_hash', 'text', (c) => c.primaryKey())
    .addColumn('transaction_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();

  // One row per delivery of a transaction (a FHIR Communication): the first, then one per
  // re-send from the UI.
  await db.schema
    .createTable('ehr_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('transaction_id', 'text', (c) => c.notNull().references('ehr_transactions.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('route', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('transport', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('message_name', 'text')
    /** The message or main file as sent, with the base64 document elided (for the UI). */
    .addColumn('message_preview', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('next_attempt_at', 'text')
    .addUniqueConstraint('ehr_deliveries_seq_uq', ['transaction_id', 'seq'])
    .execute();
  await db.schema.createIndex('ehr_deliveries_status_idx').on('ehr_deliveries').columns(['status', 'updated_at']).execute();

  // Each attempt is written before the bytes leave (finished_at null) and completed after: a
  // row still open after a crash is the one case where the outcome is unknown and a resend,
  // with the same MSH-10, is needed.
  await db.schema
    .createTable('ehr_delivery_attempts')
    .addColumn('delivery_id', 'text', (c) => c.notNull().references('ehr_deliveries.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('outcome', 'text')
    .addColumn('ack_code', 'text')
    .addColumn('detail', 'text')
    .addPrimaryKeyConstraint('ehr_delivery_attempts_pk', ['delivery_id', 'attempt'])
    .execute();

  await db.schema
    .createTable('ehr_delivery_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('delivery_id', 'text', (c) => c.notNull().references('ehr_deliveries.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ehr_delivery_events_delivery_idx').on('ehr_delivery_events').columns(['delivery_id', 'at']).execute();
}

import { PostgresAdapter, type Kysely } from 'kysely';

/**
 * The rest of the sync spine (issue 8): links and effects.
 *
 * - `links`: the same record in two systems, `(source_system, source_id) <-> (target_system,
 *   target_id)` per kind (patient, appointment, participant), searchable both ways, with the hash
 *   of the projection last sent to the target (a message whose projection hashes the same needs
 *   no call). A participant link has `parent_id` = the EMR patient, so a patient's update finds
 *   the participants it must PATCH; `not_after` is the appointment's end (past ones are left alone).
 * - `effects`: one row per outbound create, written as an intent before the call and marked
 *   done after it. An intent found on restart means the outcome is unknown: it is resolved by a
 *   lookup, never by a blind resend. See src/effects/.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('links')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('source_system', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('target_system', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'text')
    .addColumn('projection_hash', 'text')
    .addColumn('not_after', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('links_source_idx').on('links').columns(['kind', 'source_system', 'source_id', 'target_system']).unique().execute();
  await db.schema.createIndex('links_target_idx').on('links').columns(['target_system', 'target_id']).execute();
  await db.schema.createIndex('links_parent_idx').on('links').columns(['kind', 'source_system', 'parent_id']).execute();

  await db.schema
    .createTable('effects')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    /** intent | done */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('result', 'text')
    .addColumn('message_id', pg ? 'bigint' : 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

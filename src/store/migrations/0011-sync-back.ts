import { PostgresAdapter, type Kysely } from 'kysely';

/**
 * Sync back from the platforms to the EMR (issue 9).
 *
 * - `scan_marks`: per platform record seen by a scan, the hash of what the scan saw last, so a
 *   scan of 100,000 contacts stores a message only for the new and changed ones (OnCall has no
 *   "changed since" filter and no webhooks for contacts).
 * - `scan_runs`: one row per scan (contacts or appointments) with the page it reached, so a scan
 *   interrupted by a crash or an outage resumes where it stopped; counts for the Sync page.
 * - `sync_reviews`: a platform patient that may be an existing EMR patient but not surely
 *   (demographic match): never merged silently, it waits here for a person (Reconciliation page).
 *   Candidates hold EMR ids only; the data stays in the systems.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const id = (t: string) => db.schema.createTable(t).addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()));

  await db.schema
    .createTable('scan_marks')
    .addColumn('system', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('seen_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('scan_marks_pk', ['system', 'kind', 'record_id'])
    .execute();

  await id('scan_runs')
    .addColumn('system', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    /** running | done | failed | interrupted */
    .addColumn('status', 'text', (c) => c.notNull())
    /** The next page to read (1-based); a resumed scan starts here. */
    .addColumn('next_page', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('seen', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('changed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('requests', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    /** manual | schedule */
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('scan_runs_kind_idx').on('scan_runs').columns(['system', 'kind', 'id']).execute();

  await id('sync_reviews')
    /** patient (appointments wait on their patient's review) */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('platform_system', 'text', (c) => c.notNull())
    .addColumn('platform_id', 'text', (c) => c.notNull())
    /** JSON array of EMR ids that may be the same person. */
    .addColumn('candidates', 'text', (c) => c.notNull())
    /** Why a person must decide, in words without patient data ("same name and birth date, different e-mail"). */
    .addColumn('reason', 'text', (c) => c.notNull())
    /** open | linked | created | ignored */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('message_id', pg ? 'bigint' : 'integer')
    .addColumn('resolved_to', 'text')
    .addColumn('resolved_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .execute();
  await db.schema.createIndex('sync_reviews_open_idx').on('sync_reviews').columns(['platform_system', 'platform_id', 'status']).execute();
}

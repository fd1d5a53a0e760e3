import type { Kysely } from 'kysely';

/**
 * One retention policy for patient data at rest (issue 6, item 9). Marks that make the purge
 * job idempotent and cheap: a run whose rows' data was purged, and a delivery whose message
 * preview was reduced to its identifier-free form, are not looked at again.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('import_runs').addColumn('rows_purged_at', 'text').execute();
  await db.schema.alterTable('ehr_deliveries').addColumn('preview_redacted_at', 'text').execute();
  await db.schema.createIndex('import_runs_finished_idx').on('import_runs').columns(['finished_at']).execute();
  await db.schema.createIndex('ehr_deliveries_finished_idx').on('ehr_deliveries').columns(['finished_at']).execute();
}

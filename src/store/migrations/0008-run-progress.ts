import type { Kysely } from 'kysely';

/**
 * What a run is doing before its rows are sent (issue 7, item 1): while it prepares, the engine
 * lists the records already in the platform, and the run page says "Looking for patients
 * already in OnCall: 1,200 of 5,000". Kept as a small JSON document on the run (phase, records
 * looked at, the platform's total), so every process and a reloaded page read the same figures.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('import_runs').addColumn('progress', 'text').execute();
}

import type { Db } from '../store/db.js';

/** The empty record a purged row keeps (the column is NOT NULL; `{}` parses like any record). */
export const PURGED_RECORD = '{}';
/** Rows per UPDATE: each batch is its own short write, so a CLI import or the UI never waits long. */
const ROWS_PER_BATCH = 2000;
const RUNS_PER_PASS = 20;

/**
 * Purges the source data of the rows of import runs that ended (completed, cancelled or
 * failed) before `cutoff`: `import_rows.record` (the mapped CSV or FHIR record: names, birth
 * dates, e-mails, phones) becomes `{}`.
 *
 * What stays, so the run page and the report still work without patient data: line number,
 * outcome, the reason (validation messages name the field and rule, never the value), the
 * OnCall URL, and the row key (the EMR id, which the cross-reference table keeps anyway to
 * guarantee exactly-once, or a SHA-256 of the record for files without one).
 *
 * Idempotent: a run is marked `rows_purged_at` once all its rows are done, and is not looked at
 * again; a pass interrupted midway is finished by the next one. Runs still open (draft, ready,
 * running, paused) are never touched: their records are needed to send them.
 */
export async function purgeImportRows(db: Db, cutoff: Date, now: Date): Promise<{ runs: number; rows: number }> {
  const cutoffIso = cutoff.toISOString();
  let runs = 0;
  let rows = 0;
  for (;;) {
    const batch = await db
      .selectFrom('import_runs')
      .select('id')
      .where('status', 'in', ['completed', 'cancelled', 'failed'])
      .where('finished_at', '<=', cutoffIso)
      .where('rows_purged_at', 'is', null)
      .orderBy('finished_at')
      .limit(RUNS_PER_PASS)
      .execute();
    if (batch.length === 0) break;
    for (const { id } of batch) {
      rows += await purgeRun(db, id);
      await db.updateTable('import_runs').set({ rows_purged_at: now.toISOString() }).where('id', '=', id).where('rows_purged_at', 'is', null).execute();
      runs++;
    }
  }
  return { runs, rows };
}

/** Walks the run's rows by primary-key range (run_id, line), one short UPDATE per range. */
async function purgeRun(db: Db, runId: string): Promise<number> {
  const last = await db.selectFrom('import_rows').select((eb) => eb.fn.max('line').as('m')).where('run_id', '=', runId).executeTakeFirst();
  const maxLine = last?.m === null || last?.m === undefined ? -1 : Number(last.m);
  let purged = 0;
  for (let from = 0; from <= maxLine; from += ROWS_PER_BATCH) {
    const r = await db
      .updateTable('import_rows')
      .set({ record: PURGED_RECORD })
      .where('run_id', '=', runId)
      .where('line', '>=', from)
      .where('line', '<', from + ROWS_PER_BATCH)
      .where('record', '!=', PURGED_RECORD)
      .executeTakeFirst();
    purged += Number(r.numUpdatedRows);
  }
  return purged;
}

import type { Db } from '../../../store/db.js';
import { VALIDATION_CODES } from '../validation/issues.js';

export interface FallbackRows {
  /** Rows whose participant uses the fallback e-mail (the patient has none in the EMR). */
  count: number;
  /** Up to 10 of their lines. */
  sample: number[];
  /** The warning they carry (names neither the address nor the patient), or null when none. */
  message: string | null;
}

/**
 * The staged rows of a run that carry the participant e-mail fallback warning, so the CLI and
 * the wizard can say how many appointments will use the provider's (or the given) address
 * before anything is sent. Rows left out are not counted.
 */
export async function participantEmailFallbackRows(db: Db, runId: string): Promise<FallbackRows> {
  const code = `%"${VALIDATION_CODES.participantEmailFallback}"%`;
  const base = db.selectFrom('import_rows').where('run_id', '=', runId).where('status', '!=', 'invalid').where('errors', 'like', code);
  const total = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  const rows = await base.select(['line', 'errors']).orderBy('line').limit(10).execute();
  const first = rows[0]?.errors ? (JSON.parse(rows[0].errors) as { code?: string; message?: string }[]) : [];
  return {
    count: Number(total.n),
    sample: rows.map((r) => Number(r.line)),
    message: first.find((e) => e.code === VALIDATION_CODES.participantEmailFallback)?.message ?? null,
  };
}

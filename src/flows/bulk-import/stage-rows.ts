import { createHash } from 'node:crypto';
import type { ImportRecord } from './mapping/import-record.js';
import type { RunStore, StagedRow } from './run-store.js';
import type { RowKey } from './validation/row-key.js';

/**
 * What a source (CSV file, FHIR EMR) hands to staging: validated rows, rows the parser could
 * not read, and file-level problems that make the whole file unusable.
 */
export type StagingEvent =
  | {
      kind: 'row';
      line: number;
      key: RowKey;
      record: ImportRecord;
      errors: readonly { severity: string; message: string; field: string; code: string; column?: string; line: number }[];
      ok: boolean;
    }
  | { kind: 'row-error'; line: number; code: string; message: string }
  | { kind: 'fatal'; message: string; fieldErrors?: Record<string, string[]> };

export interface StagingResult {
  totalRows: number;
  invalidRows: number;
  fatal?: { message: string; fieldErrors?: Record<string, string[]> };
}

const BATCH = 1000;

/** The stored key: the EMR id itself, or a SHA-256 of the record's canonical text (no PHI at rest in keys). */
export function storedKey(key: RowKey): string {
  return key.kind === 'emr-id' ? `emr:${key.value}` : `sha256:${createHash('sha256').update(key.value).digest('hex')}`;
}

/**
 * Writes rows as they come, in transactions of BATCH rows, so a million-row file never sits
 * in memory. Rows with errors are stored as `invalid` with their problems (never sent);
 * the others as `pending`.
 */
export async function stageRows(runs: RunStore, runId: string, events: AsyncIterable<StagingEvent>): Promise<StagingResult> {
  let batch: StagedRow[] = [];
  let total = 0;
  let invalid = 0;
  const flush = async () => {
    if (!batch.length) return;
    const rows = batch;
    batch = [];
    await runs.insertRows(runId, rows);
  };
  for await (const ev of events) {
    if (ev.kind === 'fatal') return { totalRows: total, invalidRows: invalid, fatal: { message: ev.message, fieldErrors: ev.fieldErrors } };
    total++;
    if (ev.kind === 'row-error') {
      invalid++;
      batch.push({
        line: ev.line,
        key: `line:${ev.line}`,
        status: 'invalid',
        record: {},
        errors: [{ line: ev.line, field: '(row)', code: ev.code, message: ev.message, severity: 'error' }],
      });
    } else {
      if (!ev.ok) invalid++;
      const warnings = ev.errors.length ? ev.errors : null;
      batch.push({ line: ev.line, key: storedKey(ev.key), status: ev.ok ? 'pending' : 'invalid', record: ev.record, errors: warnings ? [...warnings] : null });
    }
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return { totalRows: total, invalidRows: invalid };
}

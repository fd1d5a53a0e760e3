import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { RunRow, RunStore } from './run-store.js';

/** Spreadsheet formula injection: a cell starting with = + - @ (or tab/CR) is prefixed with '. */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

const OUTCOME_LABEL: Record<string, string> = {
  invalid: 'failed',
  cancelled: 'cancelled',
  pending: 'not sent',
  in_flight: 'unconfirmed',
};

/**
 * The run report: one line per row of the file, in file order, with its outcome (created /
 * updated / skipped / failed / cancelled), the reason, and the partner URL. Streamed from
 * the database page by page.
 */
export function writeReportCsv(runs: RunStore, run: RunRow): Readable {
  const out = stringify({ header: true, columns: ['line', 'outcome', 'key', 'partner_url', 'reason'], bom: true });
  void (async () => {
    try {
      for await (const r of runs.allRows(run.id)) {
        const key = r.row_key.startsWith('emr:') ? r.row_key.slice(4) : r.row_key.startsWith('line:') ? '' : '(no EMR id)';
        const ok = out.write([
          String(r.line),
          OUTCOME_LABEL[r.status] ?? r.status,
          neutraliseCell(key),
          r.partner_url ?? '',
          neutraliseCell(r.message ?? (r.status === 'invalid' ? 'invalid row' : '')),
        ]);
        if (!ok) await new Promise((res) => out.once('drain', res));
      }
      out.end();
    } catch (e) {
      out.destroy(e as Error);
    }
  })();
  return out;
}

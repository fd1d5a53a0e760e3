import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { detailsText } from './problem-words.js';
import { rowStatusText } from './row-labels.js';
import type { RunRow, RunStore } from './run-store.js';

/** Spreadsheet formula injection: a cell starting with = + - @ (or tab/CR) is prefixed with '. */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * A line's result in the report: the page's own label (row-labels.ts), starting lower-case as in
 * a sentence ("left out", "already in OnCall"), so the file says what the page said.
 */
export function reportOutcome(status: string): string {
  const label = rowStatusText(status);
  return label.charAt(0).toLowerCase() + label.slice(1);
}

/** The report's columns, named as on the run page. */
export const REPORT_COLUMNS = ['line', 'result', 'EMR id', 'OnCall record', 'details'] as const;

/**
 * The run report: one line per row of the file, in file order, with its result in the page's
 * words (created / updated / already in OnCall / not imported / left out / cancelled), the
 * partner URL and the details in the page's words (problem-words.ts detailsText: "Date of birth
 * is in the future", never `birthDate`). Streamed from the database page by page.
 */
export function writeReportCsv(runs: RunStore, run: RunRow): Readable {
  const out = stringify({ header: true, columns: [...REPORT_COLUMNS], bom: true });
  void (async () => {
    try {
      for await (const r of runs.allRows(run.id)) {
        const key = r.row_key.startsWith('emr:') ? r.row_key.slice(4) : r.row_key.startsWith('line:') ? '' : '(no EMR id)';
        const ok = out.write([
          String(r.line),
          reportOutcome(r.status),
          neutraliseCell(key),
          r.partner_url ?? '',
          neutraliseCell(r.message ? detailsText(run.recordType, r.message) : r.status === 'invalid' ? 'problems in the file' : ''),
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

/**
 * The report's download name: the imported file's name and the day, e.g.
 * `patients-report-2026-12-02.csv` (a run without a file name: `import-<id>-report-…`).
 */
export function reportFileName(run: Pick<RunRow, 'id' | 'fileName'>, day: Date = new Date()): string {
  const base = (run.fileName ?? '').split(/[\\/]/).pop()!.replace(/\.[^.]*$/, '').trim() || `import-${run.id}`;
  return `${base}-report-${day.toISOString().slice(0, 10)}.csv`;
}

/**
 * A Content-Disposition header for `fileName` (RFC 6266): a plain-ASCII `filename` for old
 * clients (quotes, backslashes, control and non-ASCII characters replaced) and the exact name
 * in `filename*` (RFC 5987 UTF-8 percent-encoding).
 */
export function attachmentHeader(fileName: string): string {
  // eslint-disable-next-line no-control-regex
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\/]/g, '_').replace(/[\x00-\x1f\x7f]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

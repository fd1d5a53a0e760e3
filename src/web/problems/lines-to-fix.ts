/**
 * "Download only the lines to fix": the lines of the file the check refuses, with their
 * original columns as read, plus a "problem" column that says, in the page's words, which
 * field, what is wrong and what to do. Cells starting with = + - @ are neutralised as in the
 * run report (a spreadsheet would run them). Streams the whole file, so every problem line is
 * in it, not only the ones the page lists.
 */
import { stringify } from 'csv-stringify/browser/esm/sync';
import type { RecordType } from '../../domain/identifiers.js';
import { neutraliseCsvCell } from '../../flows/bulk-import/csv/formula-cells.js';
import type { MappingTemplate } from '../../flows/bulk-import/mapping/template.js';
import { readCsvStream } from '../csv/read-csv-stream.js';
import { createRowChecker } from '../csv/row-checker.js';
import type { RowProblem } from '../csv/worker-protocol.js';
import { explainProblem } from './explain-problem.js';

type Reader = Parameters<typeof readCsvStream>[0];

export interface LinesToFixOptions {
  recordType: RecordType;
  template: MappingTemplate;
  formFields: readonly string[];
}

export async function linesToFixCsv(file: Blob, opts: LinesToFixOptions): Promise<{ blob: Blob; lines: number }> {
  const { parts, lines } = await linesToFixParts(file.stream().getReader(), opts);
  return { blob: new Blob(parts, { type: 'text/csv;charset=utf-8' }), lines };
}

export async function linesToFixParts(reader: Reader, opts: LinesToFixOptions): Promise<{ parts: string[]; lines: number }> {
  // A BOM so spreadsheets open accented names as UTF-8.
  const parts: string[] = ['\uFEFF'];
  let check: ReturnType<typeof createRowChecker> | null = null;
  let lines = 0;
  const write = (cells: string[]) => parts.push(stringify([cells.map(neutraliseCsvCell)], { record_delimiter: '\r\n' }));
  await readCsvStream(reader, {
    onHeader(header) {
      check = createRowChecker(opts.template, opts.recordType, header, opts.formFields);
      write([...header, 'problem']);
    },
    onRows(rows) {
      for (const row of rows) {
        const problem = check?.(row);
        if (!problem) continue;
        lines++;
        write([...row.cells, problemText(opts.recordType, problem)]);
      }
    },
  });
  return { parts, lines };
}

/** "Line 12 – Date of birth: Date of birth is not a real calendar date. This date does not exist…" */
export function problemText(recordType: RecordType, p: RowProblem): string {
  return `Line ${p.line} – ${p.errors
    .filter((e) => e.severity !== 'warning')
    .map((e) => {
      const x = explainProblem(recordType, e);
      return `${x.fieldLabel}: ${x.problem} ${x.fix}`;
    })
    .join(' | ')}`;
}

/** "patients.csv" → "patients - lines to fix.csv". */
export function linesToFixFileName(name: string): string {
  const base = name.replace(/\.[^.]*$/, '') || 'import';
  return `${base} - lines to fix.csv`;
}

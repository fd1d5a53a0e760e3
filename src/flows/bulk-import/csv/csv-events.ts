/**
 * What the CSV reader reports, in file order. Row problems never stop the file; `fatal` does
 * (nothing sensible can be read after it). Messages name lines, columns and rules, never cell
 * values (they are patient data).
 */
import type { TextEncodingName } from './detect-encoding.js';
import type { LineBreak } from './sniff-delimiter.js';

export const CSV_ISSUE_CODES = {
  // fatal: the file as a whole
  empty: 'empty-file',
  notText: 'not-text',
  noRows: 'no-rows',
  wrongDelimiter: 'wrong-delimiter',
  duplicateColumns: 'duplicate-columns',
  missingColumns: 'missing-columns',
  ambiguousColumns: 'ambiguous-columns',
  badHeader: 'bad-header',
  // row-error: one record skipped, reading goes on
  unbalancedQuote: 'unbalanced-quote',
  rowTooLong: 'row-too-long',
  cellTooLarge: 'cell-too-large',
  wrongCellCount: 'wrong-cell-count',
  invalidQuote: 'invalid-quote',
  malformedRow: 'malformed-row',
  // notice: worth telling, nothing skipped
  encodingSwitched: 'encoding-switched',
} as const satisfies Record<string, string>;
export type CsvIssueCode = (typeof CSV_ISSUE_CODES)[keyof typeof CSV_ISSUE_CODES];

export interface CsvHeaderEvent {
  readonly kind: 'header';
  /** Physical line of the header (1 unless the file starts with blank lines). */
  readonly line: number;
  /** Header cells, trimmed. */
  readonly columns: readonly string[];
  readonly encoding: TextEncodingName;
  readonly delimiter: string;
  readonly lineBreak: LineBreak;
}

export interface CsvRowEvent {
  readonly kind: 'row';
  /** Physical line where the record starts (a quoted newline does not shift it). */
  readonly line: number;
  /** Exactly one cell per header column, untrimmed. */
  readonly cells: readonly string[];
  /**
   * Indexes of cells a spreadsheet would run as a formula (see formula-cells.ts). The values are
   * kept as data; report writers must pass them through `neutraliseCsvCell`.
   */
  readonly formulaCells?: readonly number[];
}

export interface CsvRowErrorEvent {
  readonly kind: 'row-error';
  readonly line: number;
  readonly code: CsvIssueCode;
  readonly message: string;
}

export interface CsvNoticeEvent {
  readonly kind: 'notice';
  readonly code: CsvIssueCode;
  readonly message: string;
  readonly line?: number;
}

export interface CsvFatalEvent {
  readonly kind: 'fatal';
  readonly code: CsvIssueCode;
  readonly message: string;
  /** Columns concerned (duplicates, missing). */
  readonly columns?: readonly string[];
  /** For `wrong-delimiter`: the delimiter the file seems to use. */
  readonly suggestedDelimiter?: string;
}

export interface CsvEndEvent {
  readonly kind: 'end';
  /** Physical lines read. */
  readonly lines: number;
  readonly rows: number;
  readonly rowErrors: number;
  /** Rows whose cells are all empty (",,,"), skipped silently. */
  readonly blankRows: number;
}

export type CsvEvent = CsvHeaderEvent | CsvRowEvent | CsvRowErrorEvent | CsvNoticeEvent | CsvFatalEvent | CsvEndEvent;

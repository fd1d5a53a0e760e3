/**
 * Decoded CSV text → CsvEvents. The RecordFramer cuts records (and recovers from unbalanced
 * quotes); csv-parse reads the cells of every record that contains a quote, in batches of
 * ~64 KiB (one call per batch keeps its per-call cost negligible). Records without any quote
 * character are plain `split(delimiter)`: RFC 4180 gives them no other reading, and it is what
 * keeps a 1,000,000-row file well above csv-parse's own row rate.
 */
import { parse as csvParseSync } from 'csv-parse/sync';
import { findColumnIndex } from '../mapping/normalise-header.js';
import type { CsvEvent, CsvIssueCode } from './csv-events.js';
import type { TextEncodingName } from './detect-encoding.js';
import { looksLikeFormula } from './formula-cells.js';
import { RecordFramer } from './record-framer.js';
import { delimiterName, sniffDelimiter, type LineBreak } from './sniff-delimiter.js';

export interface CsvTextParserOptions {
  readonly delimiter: string;
  readonly lineBreak: LineBreak;
  readonly encoding: TextEncodingName;
  /** Largest cell, in characters; a bigger one makes the row a row-error. */
  readonly maxCellChars: number;
  /** Largest record kept in memory while looking for its end. */
  readonly maxRecordChars: number;
  /** Columns that must be in the header (from the mapping template). */
  readonly requiredColumns?: readonly string[];
  /** Characters of quoted records parsed per csv-parse call. */
  readonly batchChars?: number;
}

interface Item {
  line: number;
  text: string;
  hasQuote: boolean;
  cells: string[] | null;
  error: { code: CsvIssueCode; message: string } | null;
}

type CsvParseError = Error & { code?: string };

/** csv-parse messages quote the cell; ours never do. */
function describeParseError(e: unknown): { code: CsvIssueCode; message: string } {
  const code = (e as CsvParseError).code ?? '';
  if (code === 'CSV_INVALID_CLOSING_QUOTE') {
    return { code: 'invalid-quote', message: 'a quoted cell has text after its closing quote' };
  }
  if (code === 'INVALID_OPENING_QUOTE' || code === 'CSV_INVALID_OPENING_QUOTE') {
    return { code: 'invalid-quote', message: 'a quote appears inside an unquoted cell (quote the whole cell and double the quotes inside it)' };
  }
  if (code === 'CSV_QUOTE_NOT_CLOSED') {
    return { code: 'unbalanced-quote', message: 'a quoted cell is never closed (unbalanced quote)' };
  }
  return { code: 'malformed-row', message: 'the row cannot be read as CSV' };
}

export class CsvTextParser {
  private readonly events: CsvEvent[] = [];
  private readonly framer: RecordFramer;
  private readonly csvOptions: Record<string, unknown>;
  private header: string[] | null = null;
  private batch: Item[] = [];
  private batchChars = 0;
  private fatal = false;
  private rows = 0;
  private rowErrors = 0;
  private blankRows = 0;
  private readonly delimiter: string;
  private readonly batchLimit: number;

  constructor(private readonly opts: CsvTextParserOptions) {
    this.delimiter = opts.delimiter;
    this.batchLimit = opts.batchChars ?? 65536;
    this.csvOptions = {
      delimiter: opts.delimiter, quote: '"', escape: '"', record_delimiter: '\n',
      relax_column_count: true, relax_quotes: false, skip_empty_lines: false, bom: false,
    };
    this.framer = new RecordFramer(
      { delimiter: opts.delimiter, lineBreak: opts.lineBreak === 'cr' ? 'cr' : 'lf', maxRecordChars: opts.maxRecordChars },
      {
        record: (line, text, multiLine, hasQuote) => this.onRecord(line, text, multiLine, hasQuote),
        error: (line, code, message) => this.onFramerError(line, code, message),
      },
    );
  }

  /** True once a fatal event was produced: nothing more will be. */
  get stopped(): boolean {
    return this.fatal;
  }

  push(text: string): void {
    if (this.fatal) return;
    this.framer.push(text);
    this.flush();
  }

  end(): void {
    if (!this.fatal) {
      this.framer.end();
      this.flush();
    }
    if (this.fatal) return;
    if (this.header === null) {
      this.fail('empty-file', 'the file is empty');
      return;
    }
    if (this.rows === 0 && this.rowErrors === 0) {
      this.fail('no-rows', 'the file has a header line but no data rows');
      return;
    }
    this.events.push({
      kind: 'end', lines: this.framer.currentLine - 1, rows: this.rows, rowErrors: this.rowErrors, blankRows: this.blankRows,
    });
  }

  /** Events produced since the last call. */
  drain(): CsvEvent[] {
    return this.events.splice(0, this.events.length);
  }

  /** For callers that emit their own notices (encoding switches) in file order. */
  notice(code: CsvIssueCode, message: string): void {
    this.events.push({ kind: 'notice', code, message });
  }

  /** Parses a notice-worthy fatal problem found outside the text (bytes, encoding). */
  fail(code: CsvIssueCode, message: string, extra: { columns?: readonly string[]; suggestedDelimiter?: string } = {}): void {
    if (this.fatal) return;
    this.fatal = true;
    this.batch = [];
    this.events.push({ kind: 'fatal', code, message, ...extra });
  }

  private parseOne(text: string): string[] | { code: CsvIssueCode; message: string } {
    try {
      const records = csvParseSync(text, this.csvOptions) as string[][];
      if (records.length !== 1) return { code: 'malformed-row', message: 'the row cannot be read as CSV' };
      return records[0]!;
    } catch (e) {
      return describeParseError(e);
    }
  }

  private onFramerError(line: number, code: CsvIssueCode, message: string): void {
    if (this.fatal) return;
    if (this.header === null) {
      // Nothing can be read before a header: the first line itself is broken.
      this.fail('bad-header', `the header line cannot be read (${message})`);
      return;
    }
    this.batch.push({ line, text: '', hasQuote: false, cells: null, error: { code, message } });
  }

  private onRecord(line: number, text: string, multiLine: boolean, hasQuote: boolean): boolean {
    if (this.fatal) return true;
    if (this.header === null) {
      this.readHeader(line, text);
      return true;
    }
    let cells: string[] | null = null;
    if (multiLine) {
      // Verdict for the framer: a multi-line record that does not parse into the header's
      // width is most likely a stray quote that swallowed the following lines.
      const parsed = this.parseOne(text);
      if (!Array.isArray(parsed)) return false;
      if (!this.widthFits(parsed)) return false;
      cells = parsed;
    }
    this.batch.push({ line, text, hasQuote, cells, error: null });
    this.batchChars += text.length;
    if (this.batchChars >= this.batchLimit) this.flush();
    return true;
  }

  private widthFits(cells: readonly string[]): boolean {
    const n = this.header!.length;
    if (cells.length === n) return true;
    if (cells.length < n) return false;
    for (let i = n; i < cells.length; i++) if (cells[i] !== '') return false;
    return true;
  }

  private readHeader(line: number, text: string): void {
    const parsed = this.parseOne(text);
    if (!Array.isArray(parsed)) {
      this.fail('bad-header', `the header line cannot be read: ${parsed.message}`);
      return;
    }
    const columns = parsed.map((c, i) => (i === 0 ? c.replace(/^\uFEFF/, '') : c).trim());
    if (columns.every((c) => c === '')) return; // a line of spaces before the header
    // Spreadsheets often export unnamed trailing columns ("a,b,,"): drop them; data rows may
    // still carry empty cells there (tolerated), but not values.
    while (columns.length > 1 && columns[columns.length - 1] === '') columns.pop();
    if (columns.length === 1) {
      const guess = sniffDelimiter(text);
      if (guess.fieldsPerLine > 1 && guess.delimiter !== this.delimiter) {
        this.fail('wrong-delimiter',
          `the header reads as a single column with the delimiter ${delimiterName(this.delimiter)}; the file seems to use ${delimiterName(guess.delimiter)}`,
          { suggestedDelimiter: guess.delimiter });
        return;
      }
    }
    const seen = new Set<string>();
    const dupes = new Set<string>();
    for (const c of columns) {
      if (c === '') continue;
      if (seen.has(c)) dupes.add(c);
      seen.add(c);
    }
    if (dupes.size > 0) {
      const list = [...dupes];
      this.fail('duplicate-columns', `the header repeats the column names ${list.map((c) => `"${c}"`).join(', ')}`, { columns: list });
      return;
    }
    const missing: string[] = [];
    const ambiguous: string[] = [];
    for (const name of this.opts.requiredColumns ?? []) {
      const i = findColumnIndex(columns, name);
      if (i === -1) missing.push(name);
      else if (i === -2) ambiguous.push(name);
    }
    if (missing.length > 0) {
      this.fail('missing-columns', `the header lacks the columns ${missing.map((c) => `"${c}"`).join(', ')} that the mapping reads`, { columns: missing });
      return;
    }
    if (ambiguous.length > 0) {
      this.fail('ambiguous-columns', `several columns match ${ambiguous.map((c) => `"${c}"`).join(', ')}`, { columns: ambiguous });
      return;
    }
    this.header = columns;
    this.events.push({
      kind: 'header', line, columns, encoding: this.opts.encoding, delimiter: this.delimiter, lineBreak: this.opts.lineBreak,
    });
  }

  private flush(): void {
    const items = this.batch;
    if (items.length === 0) return;
    this.batch = [];
    this.batchChars = 0;
    // Quoted single-line records: one csv-parse call for all of them; one per record if that fails.
    let quoted: Item[] | null = null;
    for (const it of items) {
      if (it.hasQuote && it.cells === null && it.error === null) (quoted ??= []).push(it);
    }
    if (quoted) {
      let parsed: string[][] | null = null;
      try {
        parsed = csvParseSync(quoted.map((q) => q.text).join('\n'), this.csvOptions) as string[][];
      } catch {
        parsed = null;
      }
      if (parsed && parsed.length === quoted.length) {
        for (let i = 0; i < quoted.length; i++) quoted[i]!.cells = parsed[i]!;
      } else {
        for (const q of quoted) {
          const one = this.parseOne(q.text);
          if (Array.isArray(one)) q.cells = one;
          else q.error = one;
        }
      }
    }
    const d = this.delimiter;
    for (const it of items) {
      if (it.error) {
        this.rowErrors++;
        this.events.push({ kind: 'row-error', line: it.line, code: it.error.code, message: it.error.message });
        continue;
      }
      this.row(it.line, it.cells ?? it.text.split(d));
    }
  }

  private row(line: number, cells: string[]): void {
    const header = this.header!;
    const n = header.length;
    if (cells.length !== n) {
      if (cells.length > n && this.widthFits(cells)) {
        cells.length = n; // trailing empty cells (a trailing delimiter): harmless
      } else if (cells.every((c) => c.trim() === '')) {
        this.blankRows++;
        return;
      } else {
        this.rowErrors++;
        this.events.push({
          kind: 'row-error', line, code: 'wrong-cell-count',
          message: `the row has ${cells.length} cells but the header has ${n} columns`,
        });
        return;
      }
    }
    const max = this.opts.maxCellChars;
    let blank = true;
    let formulas: number[] | undefined;
    for (let i = 0; i < n; i++) {
      const c = cells[i]!;
      if (c.length === 0) continue;
      if (c.length > max) {
        this.rowErrors++;
        this.events.push({
          kind: 'row-error', line, code: 'cell-too-large',
          message: `the cell in column "${header[i]}" is longer than ${max} characters`,
        });
        return;
      }
      if (blank && c.trim() !== '') blank = false;
      const f = c.charCodeAt(0);
      if ((f === 61 || f === 43 || f === 45 || f === 64 || f === 9 || f === 13) && looksLikeFormula(c)) (formulas ??= []).push(i);
    }
    if (blank) {
      this.blankRows++;
      return;
    }
    this.rows++;
    this.events.push(formulas ? { kind: 'row', line, cells, formulaCells: formulas } : { kind: 'row', line, cells });
  }
}

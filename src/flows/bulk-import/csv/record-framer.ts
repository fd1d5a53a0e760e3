/**
 * Cuts decoded CSV text into records (one or more physical lines) BEFORE any cell parsing, so
 * that a broken record can be dropped and parsing resumed on the next line.
 *
 * Why: a stray opening quote (RFC 4180 §2.5-2.7) makes every later line part of one quoted
 * cell; csv-parse then swallows the file to EOF and fails once. The framer keeps the text of
 * the pending record (bounded by `maxRecordChars`), so when a multi-line record turns out to be
 * broken (the sink rejects it: parse error or wrong cell count), when it outgrows the bound, or
 * when the file ends inside quotes, it reports the record's FIRST line as an unbalanced quote
 * and re-frames from the line after it. Nothing after the bad line is lost.
 *
 * Quotes open a quoted cell only at the start of a cell, as in csv-parse's strict mode; `""`
 * inside quotes is an escaped quote. Scanning uses indexOf jumps (native speed), not a
 * per-character loop. Isomorphic.
 */

export interface FramerSink {
  /**
   * A complete record starting on physical `line`. For `multiLine` records the return value is
   * the verdict: `false` means "this cannot be right", and the framer reports an unbalanced quote
   * on `line` and resumes at `line + 1`.
   */
  record(line: number, text: string, multiLine: boolean, hasQuote: boolean): boolean | void;
  error(line: number, code: FramerErrorCode, message: string): void;
}

export const FRAMER_ERRORS = {
  unbalancedQuote: 'unbalanced-quote',
  rowTooLong: 'row-too-long',
} as const satisfies Record<string, string>;
export type FramerErrorCode = (typeof FRAMER_ERRORS)[keyof typeof FRAMER_ERRORS];

export interface FramerOptions {
  readonly delimiter: string;
  /** 'lf' also accepts CRLF (the CR is dropped); 'cr' is for classic-Mac files. */
  readonly lineBreak: 'lf' | 'cr';
  /** Longest record (characters) kept while waiting for its end. */
  readonly maxRecordChars: number;
}

const QUOTE = '"';

export class RecordFramer {
  private buf = '';
  /** Scan position in `buf`. */
  private pos = 0;
  /** Start of the pending record in `buf`. */
  private recStart = 0;
  /** Physical line of the pending record's start. */
  private recLine = 1;
  private inQuote = false;
  private hasQuote = false;
  /** Discarding an over-long physical line until its line break. */
  private skipping = false;
  /** Cached next quote position at or after `pos` outside quotes: -1 none, -2 unknown. */
  private nextQuote = -2;
  private readonly lb: string;
  private readonly delimCode: number;

  constructor(private readonly opts: FramerOptions, private readonly sink: FramerSink) {
    this.lb = opts.lineBreak === 'cr' ? '\r' : '\n';
    this.delimCode = opts.delimiter.charCodeAt(0);
  }

  /** Physical line where the next record would start (for end-of-file statistics). */
  get currentLine(): number {
    return this.recLine;
  }

  push(text: string): void {
    this.buf = this.recStart === 0 ? this.buf + text : this.buf.slice(this.recStart) + text;
    this.pos -= this.recStart;
    this.recStart = 0;
    this.nextQuote = -2;
    this.scan(false);
    if (this.recStart > 0) {
      // Keep only the pending record: bounded memory whatever the file size.
      this.buf = this.buf.slice(this.recStart);
      this.pos -= this.recStart;
      this.recStart = 0;
      this.nextQuote = -2;
    }
  }

  end(): void {
    this.scan(true);
    this.buf = '';
    this.pos = 0;
    this.recStart = 0;
  }

  private scan(final: boolean): void {
    const { buf, lb, delimCode } = this;
    const max = this.opts.maxRecordChars;
    for (;;) {
      if (this.skipping) {
        const nl = buf.indexOf(lb, this.pos);
        if (nl === -1) {
          this.pos = this.recStart = buf.length;
          return;
        }
        this.skipping = false;
        this.recLine++;
        this.pos = this.recStart = nl + 1;
        this.hasQuote = false;
        this.nextQuote = -2;
        continue;
      }
      if (this.inQuote) {
        const q = buf.indexOf(QUOTE, this.pos);
        if (q === -1 || q - this.recStart > max) {
          if (!final && buf.length - this.recStart <= max) return;
          this.unbalanced(final);
          if (this.skipping && !final) continue;
          if (this.recStart >= buf.length) return;
          continue;
        }
        if (q + 1 >= buf.length && !final) {
          // Cannot tell an escaped "" from a closing quote yet.
          this.pos = q;
          return;
        }
        if (buf.charCodeAt(q + 1) === 34) {
          this.pos = q + 2;
        } else {
          this.inQuote = false;
          this.pos = q + 1;
          this.nextQuote = -2;
        }
        continue;
      }
      let nq = this.nextQuote;
      if (nq === -2 || (nq !== -1 && nq < this.pos)) nq = this.nextQuote = buf.indexOf(QUOTE, this.pos);
      const nl = buf.indexOf(lb, this.pos);
      if (nq !== -1 && (nl === -1 || nq < nl)) {
        this.hasQuote = true;
        if (nq === this.recStart || buf.charCodeAt(nq - 1) === delimCode) this.inQuote = true;
        this.pos = nq + 1;
        continue;
      }
      if (nl === -1) {
        if (buf.length - this.recStart > max) {
          this.sink.error(this.recLine, 'row-too-long', `the row is longer than ${max} characters; it was skipped`);
          this.skipping = true;
          this.pos = this.recStart = buf.length;
          return;
        }
        if (final) {
          if (this.recStart >= buf.length) return;
          this.emit(buf.length);
          // A rejected multi-line record rewinds: keep scanning from its second line.
          if (this.recStart < buf.length) continue;
          return;
        }
        // No quote and no line break left: the record continues in the next chunk.
        this.pos = buf.length;
        return;
      }
      this.emit(nl);
    }
  }

  /** Emits the record ending at `end` (exclusive, before the line break) and moves past it. */
  private emit(end: number): void {
    const { buf } = this;
    let text = buf.slice(this.recStart, end);
    if (this.opts.lineBreak === 'lf' && text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    let lines = 1;
    if (this.hasQuote) {
      for (let i = text.indexOf(this.lb); i !== -1; i = text.indexOf(this.lb, i + 1)) lines++;
    }
    if (text.length === 0) {
      this.recLine++;
    } else if (text.length > this.opts.maxRecordChars) {
      // Same verdict as when the record outgrows the bound while waiting for more chunks.
      if (lines > 1) {
        this.rewind('a quoted cell that starts on this line is not closed within the row size limit (unbalanced quote?); the line was skipped and reading resumed on the next line');
        return;
      }
      this.sink.error(this.recLine, 'row-too-long', `the row is longer than ${this.opts.maxRecordChars} characters; it was skipped`);
      this.recLine++;
    } else {
      const verdict = this.sink.record(this.recLine, text, lines > 1, this.hasQuote);
      if (lines > 1 && verdict === false) {
        this.rewind('a quoted cell that starts on this line is not closed properly (unbalanced quote); the line was skipped and reading resumed on the next line');
        return;
      }
      this.recLine += lines;
    }
    this.pos = this.recStart = end + 1;
    this.hasQuote = false;
    this.nextQuote = -2;
  }

  /** The pending quoted cell never closes (EOF or too long): report and resume after its first line. */
  private unbalanced(final: boolean): void {
    const firstBreak = this.buf.indexOf(this.lb, this.recStart);
    if (firstBreak === -1) {
      // The pending record is a single physical line: at EOF its quote never closed; before
      // EOF it outgrew the bound (and is skipped to its line break).
      if (final) {
        this.sink.error(this.recLine, 'unbalanced-quote', 'a quoted cell that starts on this line is never closed (unbalanced quote); the line was skipped');
      } else {
        this.sink.error(this.recLine, 'row-too-long', `the row is longer than ${this.opts.maxRecordChars} characters; it was skipped`);
        this.skipping = true;
      }
      this.inQuote = false;
      this.hasQuote = false;
      this.pos = this.recStart = this.buf.length;
      return;
    }
    this.rewind(final
      ? 'a quoted cell that starts on this line is never closed (unbalanced quote); the line was skipped and reading resumed on the next line'
      : 'a quoted cell that starts on this line is not closed within the row size limit (unbalanced quote?); the line was skipped and reading resumed on the next line');
  }

  private rewind(message: string): void {
    this.sink.error(this.recLine, 'unbalanced-quote', message);
    const firstBreak = this.buf.indexOf(this.lb, this.recStart);
    this.inQuote = false;
    this.hasQuote = false;
    this.nextQuote = -2;
    this.recLine++;
    this.pos = this.recStart = firstBreak + 1;
  }
}

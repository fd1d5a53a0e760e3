/**
 * Streams a CSV file (bytes) into rows with their line numbers, without ever holding the whole
 * file: bytes → TextDecoder (stream mode, so a character split across two chunks survives) →
 * papaparse's low-level Parser, which leaves an unfinished last row (even one inside quotes)
 * for the next chunk. Runs in the Web Worker; isomorphic so it is unit-testable in Node.
 *
 * Line numbers: the header is line 1; a row's line is the physical line it starts on, so a
 * quoted cell holding a line break pushes the following rows down, as a text editor shows them.
 */
import Papa from 'papaparse';
import { sniffCsv, type CsvSniff } from './sniff.js';

export interface CsvRow {
  line: number;
  cells: string[];
}

export interface CsvStreamHandlers {
  /** Called once, before any rows, with the header and what was detected. */
  onHeader(header: string[], sniff: CsvSniff): void | Promise<void>;
  /** Called per chunk with its rows and the bytes read so far. */
  onRows(rows: CsvRow[], bytesRead: number): void | Promise<void>;
}

export interface CsvStreamResult {
  rows: number;
  bytes: number;
  header: string[];
  sniff: CsvSniff | null;
}

/** Bytes needed before encoding/delimiter are decided (enough for the header and a few rows). */
const SNIFF_BYTES = 64 * 1024;

type Reader = { read(): Promise<{ done: boolean; value?: Uint8Array | undefined }> };

export async function readCsvStream(
  reader: Reader,
  handlers: CsvStreamHandlers,
  signal?: AbortSignal,
): Promise<CsvStreamResult> {
  // Assigned inside start(): the casts stop TypeScript narrowing them to `null` out here.
  let decoder = null as TextDecoder | null;
  let parser = null as Papa.Parser | null;
  let sniff = null as CsvSniff | null;
  let header: string[] | null = null;
  let pending = '';
  let nextLine = 1;
  let bytesRead = 0;
  let rowCount = 0;
  const head: Uint8Array[] = [];
  let headBytes = 0;

  const emit = async (text: string, last: boolean) => {
    if (!parser || !sniff) return;
    const input = pending + text;
    const result = parser.parse(input, 0, !last) as Papa.ParseResult<string[]>;
    pending = last ? '' : input.slice(result.meta.cursor);
    const rows: CsvRow[] = [];
    for (const cells of result.data) {
      const line = nextLine;
      nextLine += 1 + embeddedBreaks(cells);
      // A blank line (no cell with text) is not a record; it still takes a line number.
      if (isBlank(cells)) continue;
      if (!header) {
        header = cells.map((c, i) => (i === 0 ? c.replace(/^\uFEFF/, '') : c).trim());
        await handlers.onHeader(header, sniff);
        continue;
      }
      rows.push({ line, cells });
    }
    rowCount += rows.length;
    if (rows.length > 0 || last) await handlers.onRows(rows, bytesRead);
  };

  const start = async (bytes: Uint8Array) => {
    sniff = sniffCsv(bytes);
    if (sniff.notText) throw new NotCsvError(sniff.notText);
    decoder = new TextDecoder(sniff.encoding, { fatal: false });
    parser = new Papa.Parser({ delimiter: sniff.delimiter, newline: sniff.newline, quoteChar: '"' });
    await emit(decoder.decode(bytes, { stream: true }), false);
  };

  for (;;) {
    if (signal?.aborted) throw new DOMException('cancelled', 'AbortError');
    const { done, value } = await reader.read();
    if (value && value.byteLength > 0) {
      bytesRead += value.byteLength;
      if (!decoder) {
        head.push(value);
        headBytes += value.byteLength;
        if (headBytes >= SNIFF_BYTES) await start(concat(head, headBytes));
      } else {
        await emit(decoder.decode(value, { stream: true }), false);
      }
    }
    if (done) break;
  }
  if (!decoder) await start(concat(head, headBytes));
  await emit(decoder?.decode() ?? '', true);
  return { rows: rowCount, bytes: bytesRead, header: header ?? [], sniff };
}

/** Thrown when the first bytes show the file is not text (a workbook, a PDF...). */
export class NotCsvError extends Error {
  constructor(readonly reason: string) {
    super(`This is not a CSV file: ${reason}.`);
    this.name = 'NotCsvError';
  }
}

function isBlank(cells: string[]): boolean {
  for (const c of cells) if (c.length > 0 && c.trim() !== '') return false;
  return true;
}

function embeddedBreaks(cells: string[]): number {
  let n = 0;
  for (const c of cells) {
    if (c.length > 0 && c.indexOf('\n') !== -1) {
      for (let i = c.indexOf('\n'); i !== -1; i = c.indexOf('\n', i + 1)) n++;
    } else if (c.indexOf('\r') !== -1) {
      // Old Mac line breaks inside a cell.
      for (let i = c.indexOf('\r'); i !== -1; i = c.indexOf('\r', i + 1)) n++;
    }
  }
  return n;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

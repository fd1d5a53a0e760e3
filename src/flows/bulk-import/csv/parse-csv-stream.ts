/**
 * Server-side CSV reading for bulk import: bytes in (an upload stream), CsvEvents out, one
 * chunk at a time. Memory is bounded by the chunk size plus the longest pending record
 * (`maxRecordChars`), never by the file: the generator only pulls the next chunk when the
 * consumer asks for more events, so a slow consumer applies backpressure to the upload.
 *
 * Order of work on the first ~64 KiB: reject non-text (file signatures, NUL bytes), detect the
 * encoding (BOM, UTF-8 validity, else Windows-1252), sniff the delimiter and the line break.
 */
import type { Readable } from 'node:stream';
import type { CsvEvent } from './csv-events.js';
import { CsvTextParser } from './csv-text-parser.js';
import { detectEncoding, notTextReason, type TextEncodingName } from './detect-encoding.js';
import { DELIMITER_CANDIDATES, detectLineBreak, sniffDelimiter } from './sniff-delimiter.js';

export interface ParseCsvOptions {
  /** Force the delimiter; default: sniffed among , ; tab |. */
  readonly delimiter?: string;
  /** Force the encoding; default: detected. */
  readonly encoding?: TextEncodingName;
  /** Columns the mapping reads: missing ones are a fatal error before any row. */
  readonly requiredColumns?: readonly string[];
  /** Largest cell in characters (default 64 KiB): bigger makes a row-error. */
  readonly maxCellChars?: number;
  /** Longest record kept while looking for its end (default 1 MiB). */
  readonly maxRecordChars?: number;
  /** Bytes inspected before deciding encoding and delimiter (default 64 KiB). */
  readonly sniffBytes?: number;
}

export const CSV_DEFAULTS = {
  maxCellChars: 64 * 1024,
  maxRecordChars: 1024 * 1024,
  sniffBytes: 64 * 1024,
} as const satisfies Record<string, number>;

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Decoding that can change its mind once: a file whose first 64 KiB are pure ASCII is read as
 * UTF-8, and if a later byte is not valid UTF-8 the file was Windows-1252 all along (the ASCII
 * before it decodes the same in both).
 */
class SwitchingDecoder {
  private decoder: TextDecoder;
  private strict: boolean;
  private sawNonAscii = false;
  encoding: TextEncodingName;

  constructor(encoding: TextEncodingName, switchable: boolean) {
    this.encoding = encoding;
    this.strict = switchable;
    this.decoder = new TextDecoder(encoding, { fatal: switchable });
  }

  /** Decoded text, and whether the decoder switched encoding on this chunk. */
  decode(bytes: Uint8Array, last: boolean): { text: string; switched?: 'windows-1252' | 'replaced' } {
    if (!this.strict) return { text: this.decoder.decode(bytes, { stream: !last }) };
    try {
      const text = this.decoder.decode(bytes, { stream: !last });
      if (!this.sawNonAscii && text.length !== bytes.length) this.sawNonAscii = true;
      return { text };
    } catch {
      this.strict = false;
      if (!this.sawNonAscii) {
        this.encoding = 'windows-1252';
        this.decoder = new TextDecoder('windows-1252');
        return { text: this.decoder.decode(bytes, { stream: !last }), switched: 'windows-1252' };
      }
      // Real UTF-8 earlier, invalid bytes now: a mixed file; keep UTF-8, mark the bad bytes.
      this.decoder = new TextDecoder('utf-8');
      return { text: this.decoder.decode(bytes, { stream: !last }), switched: 'replaced' };
    }
  }
}

const encoder = new TextEncoder();
const MAX_HEAD_BYTES = 4 * 1024 * 1024;

/** A line break that is not the last byte (a CR at the very end could still be CRLF). */
function hasLineBreak(parts: readonly Uint8Array[]): boolean {
  const last = parts.length - 1;
  return parts.some((p, k) => {
    const lf = p.indexOf(0x0a);
    const cr = p.indexOf(0x0d);
    return lf !== -1 || (cr !== -1 && (k < last || cr < p.length - 1));
  });
}

/**
 * Reads a CSV upload. Always ends with either a `fatal` event or an `end` event.
 * `input`: a Node Readable (e.g. @fastify/multipart's file stream) or any async iterable of bytes.
 */
export async function* parseCsvStream(
  input: Readable | AsyncIterable<Uint8Array | string>, opts: ParseCsvOptions = {},
): AsyncGenerator<CsvEvent> {
  for await (const batch of parseCsvStreamBatches(input, opts)) yield* batch;
}

/**
 * Same events as `parseCsvStream`, one array per input chunk (hundreds of rows). Each `yield`
 * of an async generator costs a promise round trip: per chunk instead of per row, it is what a
 * million-row import wants.
 */
export async function* parseCsvStreamBatches(
  input: Readable | AsyncIterable<Uint8Array | string>, opts: ParseCsvOptions = {},
): AsyncGenerator<CsvEvent[]> {
  const sniffBytes = opts.sniffBytes ?? CSV_DEFAULTS.sniffBytes;
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let parser: CsvTextParser | null = null;
  let decoder: SwitchingDecoder | null = null;

  /** Sets everything up from the first bytes; returns the events to emit (maybe a fatal). */
  const start = (sample: Uint8Array): CsvEvent[] => {
    if (sample.length === 0) return [{ kind: 'fatal', code: 'empty-file', message: 'the file is empty' }];
    const guess = opts.encoding
      ? { encoding: opts.encoding, evidence: 'forced' as const }
      : detectEncoding(sample);
    const why = notTextReason(sample, guess.encoding);
    if (why) return [{ kind: 'fatal', code: 'not-text', message: `not a CSV text file: ${why}` }];
    decoder = new SwitchingDecoder(guess.encoding, guess.evidence === 'ascii');
    const first = decoder.decode(sample, false);
    const text = first.text.charCodeAt(0) === 0xfeff ? first.text.slice(1) : first.text;
    const delimiter = opts.delimiter ?? sniffDelimiter(text, DELIMITER_CANDIDATES).delimiter;
    parser = new CsvTextParser({
      delimiter,
      lineBreak: detectLineBreak(text),
      encoding: decoder.encoding,
      maxCellChars: opts.maxCellChars ?? CSV_DEFAULTS.maxCellChars,
      maxRecordChars: opts.maxRecordChars ?? CSV_DEFAULTS.maxRecordChars,
      ...(opts.requiredColumns ? { requiredColumns: opts.requiredColumns } : {}),
    });
    parser.push(text);
    return parser.drain();
  };

  const feed = (bytes: Uint8Array, last: boolean): CsvEvent[] => {
    const p = parser!;
    const d = decoder!;
    const { text, switched } = d.decode(bytes, last);
    if (switched === 'windows-1252') {
      p.notice('encoding-switched', 'bytes that are not UTF-8 appear after the start of the file: it was read as Windows-1252');
    } else if (switched === 'replaced') {
      p.notice('encoding-switched', 'the file mixes UTF-8 with bytes that are not UTF-8; those bytes were replaced');
    }
    if (text) p.push(text);
    if (last) p.end();
    return p.drain();
  };

  for await (const chunk of input as AsyncIterable<Uint8Array | string>) {
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    if (bytes.length === 0) continue;
    let events: CsvEvent[];
    if (parser === null) {
      head.push(bytes);
      headBytes += bytes.length;
      // Sniffing needs at least one whole line (header) unless the head is already large.
      if (headBytes < sniffBytes || (!hasLineBreak(head) && headBytes < MAX_HEAD_BYTES)) continue;
      events = start(concat(head, headBytes));
      head.length = 0;
    } else {
      events = feed(bytes, false);
    }
    if (events.length > 0) yield events;
    if (events.some(isFatal)) return;
    if (parser === null) return; // start() failed before creating a parser (fatal yielded)
  }
  const events = parser === null ? start(concat(head, headBytes)) : [];
  if (events.length > 0) yield events;
  if (events.some(isFatal) || parser === null) return;
  const last = feed(new Uint8Array(0), true);
  if (last.length > 0) yield last;
}

function isFatal(e: CsvEvent): boolean {
  return e.kind === 'fatal';
}

import iconv from 'iconv-lite';

/**
 * Character sets this project emits and reads for HL7 v2 / HPRIM text (HL7 v2.5 table 0211,
 * MSH-18). UTF-16/32 are out: they cannot be MLLP-framed.
 *
 * Never `Buffer.from(text, 'latin1')` for ISO-8859-1: it silently keeps the low byte of every
 * code unit (U+0153 "œ" becomes 0x53 "S") — mojibake in a patient's name. Encoding goes
 * through `encodeText` and its explicit policy instead.
 */
export const HL7_CHARSETS = {
  'UTF-8': { msh18: 'UNICODE UTF-8', iconv: 'utf8' },
  'ISO-8859-1': { msh18: '8859/1', iconv: 'latin1' },
} as const satisfies Record<string, { msh18: string; iconv: string }>;

export type Hl7Charset = keyof typeof HL7_CHARSETS;

export function msh18For(charset: Hl7Charset): string {
  return HL7_CHARSETS[charset].msh18;
}

/**
 * Map an MSH-18 value to a charset. Empty means "not said": the caller's fallback (the
 * per-connection configuration; UTF-8 by default). ASCII is read as ISO-8859-1 (a superset).
 * Unknown values also fall back: the receiver must still try to read the message.
 */
export function charsetFromMsh18(value: string | undefined, fallback: Hl7Charset = 'UTF-8'): Hl7Charset {
  const v = (value ?? '').trim().toUpperCase();
  if (v === '') return fallback;
  if (v === 'UNICODE UTF-8' || v === 'UTF-8' || v === 'UTF8') return 'UTF-8';
  if (v === '8859/1' || v === 'ISO-8859-1' || v === 'ISO_IR 100' || v === 'ASCII') return 'ISO-8859-1';
  return fallback;
}

/** What to do with a character ISO-8859-1 cannot represent. */
export type UnmappablePolicy = 'error' | 'substitute';

export class UnmappableCharacterError extends Error {
  /** UTF-16 offset in the message text (never the text itself: it may be a patient's name). */
  readonly offset: number;
  readonly codePoint: number;

  constructor(offset: number, codePoint: number) {
    super(`character U+${codePoint.toString(16).toUpperCase().padStart(4, '0')} at offset ${offset} has no ISO-8859-1 encoding`);
    this.name = 'UnmappableCharacterError';
    this.offset = offset;
    this.codePoint = codePoint;
  }
}

/**
 * Replacements for frequent characters outside Latin-1 that do not decompose with NFD
 * (French typography, ligatures, a few Central-European letters). None of them produces an
 * HL7/HPRIM delimiter.
 */
const LATIN1_SUBSTITUTES: Record<string, string> = {
  'œ': 'oe', 'Œ': 'OE', 'ł': 'l', 'Ł': 'L', 'đ': 'd', 'Đ': 'D', 'ı': 'i', 'ŀ': 'l', 'Ŀ': 'L',
  '\u2018': "'", '\u2019': "'", '\u201A': ',', '\u201C': '"', '\u201D': '"', '\u201E': '"',
  '\u2013': '-', '\u2014': '-', '\u2010': '-', '\u2011': '-', '\u2026': '...', '\u2022': '*',
  '\u20AC': 'EUR', '\u2009': ' ', '\u202F': ' ', '\u2007': ' ',
};

/**
 * The substitution policy: for a character outside Latin-1, (1) the table above, else (2) its
 * NFD decomposition with combining marks removed when that fits Latin-1 (ă -> a, ș -> s,
 * Ǹ -> N), else (3) `?`. Characters inside Latin-1 (é, è, ç, ß, ...) are never touched.
 */
export function toLatin1(text: string, policy: UnmappablePolicy): string {
  let out = '';
  let offset = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp <= 0xff) out += ch;
    else if (policy === 'error') throw new UnmappableCharacterError(offset, cp);
    else out += substitute(ch);
    offset += ch.length;
  }
  return out;
}

function substitute(ch: string): string {
  const mapped = LATIN1_SUBSTITUTES[ch];
  if (mapped !== undefined) return mapped;
  const stripped = ch.normalize('NFD').replace(/\p{M}/gu, '');
  if (stripped !== '' && [...stripped].every((c) => (c.codePointAt(0) ?? 0) <= 0xff)) return stripped;
  return '?';
}

export interface EncodeOptions {
  /** Only for ISO-8859-1. Default `error`: a silent change to a name must be a choice. */
  onUnmappable?: UnmappablePolicy;
}

export function encodeText(text: string, charset: Hl7Charset, opts: EncodeOptions = {}): Buffer {
  if (charset === 'UTF-8') return Buffer.from(text, 'utf8');
  return iconv.encode(toLatin1(text, opts.onUnmappable ?? 'error'), 'latin1');
}

export function decodeText(bytes: Buffer, charset: Hl7Charset): string {
  return iconv.decode(bytes, HL7_CHARSETS[charset].iconv);
}

/**
 * Read MSH-18 from raw bytes without knowing the charset yet: the header is ASCII in both
 * supported charsets, so a latin1 view of the first segment is exact up to MSH-18.
 */
export function peekMsh18(bytes: Buffer): string {
  const head = bytes.subarray(0, Math.min(bytes.length, 4096)).toString('latin1');
  const start = head.indexOf('MSH');
  if (start < 0) return '';
  const line = head.slice(start).split(/\r|\n/)[0] ?? '';
  const sep = line.charAt(3);
  if (!sep) return '';
  // MSH-1 is the separator itself, so MSH-n is split index n-1.
  return line.split(sep)[17] ?? '';
}

/** Decode an incoming message: MSH-18 when present, else the configured fallback. */
export function decodeHl7Bytes(bytes: Buffer, fallback: Hl7Charset = 'UTF-8'): { text: string; charset: Hl7Charset } {
  const charset = charsetFromMsh18(peekMsh18(bytes), fallback);
  return { text: decodeText(bytes, charset), charset };
}

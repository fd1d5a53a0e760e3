/**
 * What is this upload, byte-wise? A text encoding guess and a "this is not text at all" check,
 * on the first bytes only. Isomorphic (Uint8Array, no Buffer): the browser worker runs it on
 * File.slice() before papaparse, the server on the first chunks of the upload stream.
 *
 * EMR exports are UTF-8 (often with a BOM, Excel's "CSV UTF-8"), Windows-1252 (Excel "CSV"
 * on Western-locale Windows) or UTF-16 (Excel "Unicode text"). ISO-8859-1 is decoded as
 * Windows-1252, its superset for printable text, as the WHATWG Encoding Standard does
 * (https://encoding.spec.whatwg.org/#names-and-labels).
 */

export const TEXT_ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252'] as const satisfies readonly string[];
export type TextEncodingName = (typeof TEXT_ENCODINGS)[number];

export interface EncodingGuess {
  readonly encoding: TextEncodingName;
  /** Bytes of byte-order mark at the start (the decoder drops them). */
  readonly bomLength: number;
  /**
   * `bom`: a byte-order mark says so. `utf8`: non-ASCII bytes that are valid UTF-8.
   * `ascii`: only ASCII seen so far (UTF-8 assumed; a later invalid byte means Windows-1252).
   * `legacy`: bytes that are not UTF-8, read as Windows-1252. `heuristic`: UTF-16 without BOM.
   */
  readonly evidence: 'bom' | 'utf8' | 'ascii' | 'legacy' | 'heuristic';
}

/**
 * Validates UTF-8 structure. A sequence cut by the end of the sample is accepted: the sample
 * is a prefix of the file.
 */
export function isValidUtf8(bytes: Uint8Array): { valid: boolean; ascii: boolean } {
  let ascii = true;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) { i++; continue; }
    ascii = false;
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) { need = 1; min = 0x80; }
    else if (b >= 0xe0 && b <= 0xef) { need = 2; min = b === 0xe0 ? 0xa0 : 0x80; }
    else if (b >= 0xf0 && b <= 0xf4) { need = 3; min = b === 0xf0 ? 0x90 : 0x80; }
    else return { valid: false, ascii };
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return { valid: true, ascii };
      const c = bytes[i + k]!;
      const lo = k === 1 ? min : 0x80;
      const hi = k === 1 && b === 0xed ? 0x9f : k === 1 && b === 0xf4 ? 0x8f : 0xbf;
      if (c < lo || c > hi) return { valid: false, ascii };
    }
    i += need + 1;
  }
  return { valid: true, ascii };
}

/** Guesses the encoding from the first bytes of a file (64 KiB is plenty). */
export function detectEncoding(bytes: Uint8Array): EncodingGuess {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { encoding: 'utf-8', bomLength: 3, evidence: 'bom' };
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2, evidence: 'bom' };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2, evidence: 'bom' };
  const utf16 = utf16WithoutBom(bytes);
  if (utf16) return { encoding: utf16, bomLength: 0, evidence: 'heuristic' };
  const { valid, ascii } = isValidUtf8(bytes);
  if (valid) return { encoding: 'utf-8', bomLength: 0, evidence: ascii ? 'ascii' : 'utf8' };
  return { encoding: 'windows-1252', bomLength: 0, evidence: 'legacy' };
}

/** ASCII text in UTF-16 has a NUL in every other byte. */
function utf16WithoutBom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(bytes.length, 1024) & ~1;
  if (n < 8) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenNul++;
    if (bytes[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  if (oddNul > pairs * 0.6 && evenNul < pairs * 0.05) return 'utf-16le';
  if (evenNul > pairs * 0.6 && oddNul < pairs * 0.05) return 'utf-16be';
  return undefined;
}

const SIGNATURES: readonly { readonly bytes: readonly number[]; readonly what: string }[] = [
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive (an Excel .xlsx workbook is one: export it as CSV)' },
  { bytes: [0x50, 0x4b, 0x05, 0x06], what: 'a ZIP archive' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], what: 'an old Office file (.xls/.doc: export it as CSV)' },
  { bytes: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { bytes: [0x47, 0x49, 0x46, 0x38], what: 'a GIF image' },
  { bytes: [0x1f, 0x8b], what: 'a gzip archive' },
  { bytes: [0x7b, 0x5c, 0x72, 0x74, 0x66], what: 'an RTF document' },
  { bytes: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66], what: 'an SQLite database' },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], what: 'a program' },
];

/**
 * Why `bytes` (the start of a file) is not CSV text, or undefined when it may be. Checks
 * well-known file signatures, then NUL and control bytes, which text never contains.
 */
export function notTextReason(bytes: Uint8Array, encoding?: TextEncodingName): string | undefined {
  for (const sig of SIGNATURES) {
    if (bytes.length >= sig.bytes.length && sig.bytes.every((b, i) => bytes[i] === b)) return `it looks like ${sig.what}`;
  }
  if (encoding === 'utf-16le' || encoding === 'utf-16be') return undefined;
  const n = Math.min(bytes.length, 65536);
  let controls = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0) return 'it contains NUL bytes (binary data)';
    // Tab, LF, CR, form feed and ESC-free text; anything else below 0x20 is suspicious.
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) controls++;
  }
  if (n > 0 && controls / n > 0.01) return 'it contains binary control bytes';
  return undefined;
}

import { charsetFromMsh18, decodeText, type Hl7Charset } from '../../hl7/charset.js';

/**
 * Bytes to text for an inbound message, before any parsing.
 *
 * - A UTF-8 byte order mark is dropped (some Windows senders write one before `MSH`).
 * - The charset is MSH-18 (first repetition) when it names one we read (`UNICODE UTF-8`,
 *   `8859/1`, `ASCII`), else the listener's configured charset.
 * - Wrong-charset bytes: when UTF-8 is expected and the bytes are not valid UTF-8, the message
 *   is read as ISO-8859-1 and a warning is kept. Every byte sequence is valid ISO-8859-1, and
 *   invalid UTF-8 in a real feed almost always comes from a single-byte sender that does not
 *   fill MSH-18: reading it as Latin-1 recovers the names exactly ("Zoé", "Müller"). If the
 *   result then holds C1 control characters (U+0080..U+009F, which no Latin-1 text contains:
 *   they are Windows-1252 punctuation), the charset cannot be known and the caller rejects
 *   the message with AE 102 instead of storing garbled names.
 */
export interface DecodedMessage {
  text: string;
  charset: Hl7Charset;
  /** The charset the message declared or the listener expected, when it differs from `charset`. */
  expected?: Hl7Charset;
  /** True when the text holds C1 control characters after a fallback (see above). */
  unreadable: boolean;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function decodeInbound(raw: Buffer, fallback: Hl7Charset = 'UTF-8'): DecodedMessage {
  const bytes = raw.subarray(0, 3).equals(UTF8_BOM) ? raw.subarray(3) : raw;
  const charset = charsetFromMsh18(firstMsh18Repetition(bytes), fallback);
  if (charset === 'ISO-8859-1') return { text: decodeText(bytes, charset), charset, unreadable: false };
  try {
    return { text: strictUtf8.decode(bytes), charset, unreadable: false };
  } catch {
    const text = decodeText(bytes, 'ISO-8859-1');
    return { text, charset: 'ISO-8859-1', expected: 'UTF-8', unreadable: /[\u0080-\u009f]/.test(text) };
  }
}

/**
 * MSH-18 read from the raw bytes: the header is ASCII in both charsets, so a latin1 view of
 * the first line is exact up to MSH-18. MSH-18 repeats (v2.5: the first repetition is the
 * message's own charset), hence only the first repetition.
 */
export function firstMsh18Repetition(bytes: Buffer): string {
  const line = mshLine(bytes).toString('latin1');
  if (!line) return '';
  const fieldSep = line.charAt(3);
  const repSep = line.charAt(5);
  if (!fieldSep) return '';
  const msh18 = line.split(fieldSep)[17] ?? '';
  return repSep ? (msh18.split(repSep)[0] ?? '') : msh18;
}

/** The bytes of the MSH line (from `MSH` to the first CR or LF, at most 4 KiB in); empty when absent. */
export function mshLine(bytes: Buffer): Buffer {
  const head = bytes.subarray(0, Math.min(bytes.length, 4096));
  const start = head.indexOf('MSH', 0, 'latin1');
  if (start < 0) return head.subarray(0, 0);
  let end = head.length;
  const cr = head.indexOf(0x0d, start);
  const lf = head.indexOf(0x0a, start);
  if (cr >= 0) end = cr;
  if (lf >= 0 && lf < end) end = lf;
  return head.subarray(start, end);
}

/**
 * JSON body parsing that keeps very long string values out of `JSON.parse`. A 20 MB document
 * arrives as a 27 MB base64 string inside the Parameters; parsing the body text the usual way
 * holds the body text, its flattened copy and the parsed copy at once (3 x 27 MB). Here the
 * bytes are scanned for string literals longer than a threshold (without escapes: base64 has
 * none), each is kept as a view of the body bytes (LargeJsonString), and only the small
 * remainder goes through `JSON.parse`, with the views put back afterwards. Malformed input falls through to
 * `JSON.parse`, which reports it.
 */
/**
 * A long JSON string value left as its UTF-8 bytes (a view into the request body): the base64
 * document is checked, hashed and stored from these bytes and never becomes a 27 MB string.
 */
export class LargeJsonString {
  constructor(readonly bytes: Buffer) {}

  toString(): string {
    return this.bytes.toString('utf8');
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export const LARGE_STRING_THRESHOLD = 64 * 1024;

/** JSON.parse, except that string values of `threshold` bytes or more come back as LargeJsonString. */
export function parseJsonKeepingLargeStrings(buf: Buffer, threshold = LARGE_STRING_THRESHOLD): unknown {
  if (buf.length < threshold) return JSON.parse(buf.toString('utf8'));
  const large: LargeJsonString[] = [];
  const pieces: string[] = [];
  const nonce = `\\u0000ehrb-${Math.random().toString(36).slice(2)}:`;
  let copied = 0;
  let pos = 0;
  for (;;) {
    const open = buf.indexOf(QUOTE, pos);
    if (open < 0) break;
    let close = -1;
    let from = open + 1;
    for (;;) {
      const q = buf.indexOf(QUOTE, from);
      if (q < 0) break;
      let backslashes = 0;
      for (let k = q - 1; k > open && buf[k] === BACKSLASH; k--) backslashes++;
      if (backslashes % 2 === 0) {
        close = q;
        break;
      }
      from = q + 1;
    }
    if (close < 0) return JSON.parse(buf.toString('utf8'));
    const length = close - open - 1;
    if (length >= threshold && buf.subarray(open + 1, close).indexOf(BACKSLASH) < 0) {
      pieces.push(buf.toString('utf8', copied, open), `"${nonce}${large.length}"`);
      large.push(new LargeJsonString(buf.subarray(open + 1, close)));
      copied = close + 1;
    }
    pos = close + 1;
  }
  if (large.length === 0) return JSON.parse(buf.toString('utf8'));
  pieces.push(buf.toString('utf8', copied));
  const marker = JSON.parse(`"${nonce}"`) as string;
  return restore(JSON.parse(pieces.join('')), marker, large);
}

function restore(value: unknown, marker: string, large: LargeJsonString[]): unknown {
  if (typeof value === 'string') {
    if (!value.startsWith(marker)) return value;
    const i = Number(value.slice(marker.length));
    return Number.isInteger(i) && large[i] !== undefined ? large[i] : value;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = restore(value[i], marker, large);
    return value;
  }
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = restore(o[k], marker, large);
  }
  return value;
}

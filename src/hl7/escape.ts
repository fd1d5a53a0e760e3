/**
 * HL7 v2 escape sequences (v2.5 chapter 2, section 2.7 "Use of escape sequences in text fields").
 *
 * Delimiters always come from the message itself (MSH-1 and MSH-2), never from constants:
 * the defaults below are only what this project emits.
 */
export interface Hl7Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
}

export const DEFAULT_DELIMITERS = {
  field: '|',
  component: '^',
  repetition: '~',
  escape: '\\',
  subcomponent: '&',
} as const satisfies Hl7Delimiters;

/** MSH-2 for these delimiters: component, repetition, escape, subcomponent. */
export function encodingCharacters(d: Hl7Delimiters): string {
  return d.component + d.repetition + d.escape + d.subcomponent;
}

/**
 * Read the delimiters from a header line: the character after the 3-letter segment id
 * (MSH-1) and the next four (MSH-2). Works for MSH, FHS, BHS and, with `hprim`, for the
 * HPRIM `H` line whose MSH-2 equivalent is 4 characters after a 1-letter id.
 */
export function delimitersFromHeader(line: string, idLength = 3): Hl7Delimiters {
  const field = line.charAt(idLength);
  const enc = line.slice(idLength + 1, idLength + 5);
  if (!field || enc.length < 4 || enc.includes(field)) {
    throw new Error('malformed header: cannot read the delimiters');
  }
  const [component, repetition, escape, subcomponent] = [...enc] as [string, string, string, string];
  if (new Set([field, component, repetition, escape, subcomponent]).size !== 5) {
    throw new Error('malformed header: delimiters are not distinct');
  }
  return { field, component, repetition, escape, subcomponent };
}

/**
 * How line breaks inside a value are written:
 * - `hex` (default): `\X0D\` / `\X0A\`, exact round trip, valid in every data type;
 * - `br`: `\.br\`, the formatting command of FT fields (a CRLF pair becomes one `\.br\`);
 * - `space`: one space; `strip`: removed.
 * A raw CR would end the segment, so one of these always applies.
 */
export type NewlinePolicy = 'hex' | 'br' | 'space' | 'strip';

export interface EscapeOptions {
  newline?: NewlinePolicy;
}

const hex2 = (code: number): string => code.toString(16).toUpperCase().padStart(2, '0');

/**
 * Escape one leaf value (a component or subcomponent). Delimiters become `\F\ \S\ \T\ \R\ \E\`;
 * other C0 control characters (0x0B and 0x1C, the MLLP framing bytes, among them) and DEL
 * become `\Xhh\`, so they can never reach the wire raw. TAB is kept.
 */
export function escapeHl7(value: string, d: Hl7Delimiters = DEFAULT_DELIMITERS, opts: EscapeOptions = {}): string {
  const newline = opts.newline ?? 'hex';
  const e = d.escape;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value.charAt(i);
    const code = ch.charCodeAt(0);
    if (ch === d.field) out += `${e}F${e}`;
    else if (ch === d.component) out += `${e}S${e}`;
    else if (ch === d.subcomponent) out += `${e}T${e}`;
    else if (ch === d.repetition) out += `${e}R${e}`;
    else if (ch === e) out += `${e}E${e}`;
    else if (code === 0x0d || code === 0x0a) {
      const crlf = code === 0x0d && value.charCodeAt(i + 1) === 0x0a;
      if (newline === 'hex') {
        out += crlf ? `${e}X0D0A${e}` : `${e}X${hex2(code)}${e}`;
      } else if (newline === 'br') {
        out += `${e}.br${e}`;
      } else if (newline === 'space') {
        out += ' ';
      }
      if (crlf) i++;
    } else if ((code < 0x20 && code !== 0x09) || code === 0x7f) out += `${e}X${hex2(code)}${e}`;
    else out += ch;
  }
  return out;
}

export interface UnescapeOptions {
  /** What `\.br\` and `\.sp\` become (default LF). */
  lineBreak?: string;
  /** How the bytes of `\Xhh..\` are read: the message's character set (default latin1). */
  hexCharset?: 'latin1' | 'utf8';
}

/**
 * Unescape one leaf value, after splitting: a left-to-right scanner, so `\E\F\E\` is `\F\`
 * literally (global replaces get this wrong). Unknown or unterminated sequences are kept as
 * they are; highlighting (`\H\`, `\N\`) is dropped.
 */
export function unescapeHl7(value: string, d: Hl7Delimiters = DEFAULT_DELIMITERS, opts: UnescapeOptions = {}): string {
  const e = d.escape;
  if (!value.includes(e)) return value;
  const lineBreak = opts.lineBreak ?? '\n';
  let out = '';
  let i = 0;
  while (i < value.length) {
    const start = value.indexOf(e, i);
    if (start < 0) {
      out += value.slice(i);
      break;
    }
    out += value.slice(i, start);
    const end = value.indexOf(e, start + 1);
    if (end < 0) {
      out += value.slice(start);
      break;
    }
    const seq = value.slice(start + 1, end);
    const decoded = decodeSequence(seq, d, lineBreak, opts.hexCharset ?? 'latin1');
    out += decoded ?? value.slice(start, end + 1);
    i = end + 1;
  }
  return out;
}

function decodeSequence(seq: string, d: Hl7Delimiters, lineBreak: string, charset: 'latin1' | 'utf8'): string | undefined {
  switch (seq) {
    case 'F':
      return d.field;
    case 'S':
      return d.component;
    case 'T':
      return d.subcomponent;
    case 'R':
      return d.repetition;
    case 'E':
      return d.escape;
    case 'H':
    case 'N':
      return '';
    case '.br':
    case '.sp':
      return lineBreak;
    default:
      break;
  }
  if (/^X([0-9A-Fa-f]{2})+$/.test(seq)) {
    return Buffer.from(seq.slice(1), 'hex').toString(charset);
  }
  return undefined;
}

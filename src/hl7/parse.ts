import { delimitersFromHeader, type Hl7Delimiters } from './escape.js';

/**
 * A small HL7 v2 reader for what this project must inspect itself (ACKs, the receiver
 * sandbox). Values stay escaped: callers unescape leaves with `unescapeHl7` after splitting.
 * Segment separators CR, LF and CRLF are all accepted (files saved to disk often use LF).
 */
export interface Hl7SegmentFields {
  name: string;
  /**
   * `fields[n]` is field n (HL7 numbering). For MSH, `fields[1]` is the field separator and
   * `fields[2]` the encoding characters, so `fields[10]` is MSH-10 as the standard counts.
   */
  fields: string[];
}

export interface ParsedHl7 {
  delimiters: Hl7Delimiters;
  segments: Hl7SegmentFields[];
}

export class Hl7ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Hl7ParseError';
  }
}

export function parseHl7(text: string): ParsedHl7 {
  // Tolerate a BOM or whitespace before the header (files, sloppy senders).
  const start = text.search(/MSH|FHS|BHS/);
  if (start < 0 || text.slice(0, start).trim().replace(/^\uFEFF/, '') !== '') {
    throw new Hl7ParseError('no MSH segment at the start of the message');
  }
  const body = text.slice(start);
  let delimiters: Hl7Delimiters;
  try {
    delimiters = delimitersFromHeader(body);
  } catch (err) {
    throw new Hl7ParseError((err as Error).message);
  }
  const segments: Hl7SegmentFields[] = [];
  for (const line of body.split(/\r\n|\r|\n/)) {
    if (line.trim() === '') continue;
    const parts = line.split(delimiters.field);
    const name = parts[0] ?? '';
    if (!/^[A-Z][A-Z0-9]{2}$/.test(name)) throw new Hl7ParseError(`invalid segment id at segment ${segments.length + 1}`);
    const fields = name === 'MSH' || name === 'FHS' || name === 'BHS' ? [name, delimiters.field, ...parts.slice(1)] : parts;
    segments.push({ name, fields });
  }
  return { delimiters, segments };
}

export function findSegment(msg: ParsedHl7, name: string): Hl7SegmentFields | undefined {
  return msg.segments.find((s) => s.name === name);
}

export function findSegments(msg: ParsedHl7, name: string): Hl7SegmentFields[] {
  return msg.segments.filter((s) => s.name === name);
}

/** Field n (1-based, HL7 numbering), raw (escaped); '' when absent. */
export function field(seg: Hl7SegmentFields | undefined, n: number): string {
  return seg?.fields[n] ?? '';
}

/**
 * Component / subcomponent of a raw field value (1-based), first repetition unless `rep`
 * (1-based) says otherwise. Raw (escaped) result.
 */
export function component(raw: string, d: Hl7Delimiters, comp: number, sub = 1, rep = 1): string {
  const repetition = raw.split(d.repetition)[rep - 1] ?? '';
  const c = repetition.split(d.component)[comp - 1] ?? '';
  return c.split(d.subcomponent)[sub - 1] ?? '';
}

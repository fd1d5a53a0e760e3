import { randomUUID } from 'node:crypto';
import { decodeHl7Bytes } from './charset.js';
import { formatHl7DateTime } from './datetime.js';
import { DEFAULT_DELIMITERS, encodingCharacters, escapeHl7, unescapeHl7, type Hl7Delimiters } from './escape.js';
import { Hl7ParseError, component, field, findSegment, findSegments, parseHl7, type ParsedHl7 } from './parse.js';

/**
 * Acknowledgements (HL7 v2.5 ch. 2, 2.9 "Message processing rules"; MSA, ERR segments).
 * - Original mode: AA accepted, AE error in the content (the sender must fix it),
 *   AR rejected (unsupported type/version, or receiver trouble: may be resent unchanged).
 * - Enhanced mode commit ACKs: CA / CE / CR, same meanings at the "stored" stage.
 */
export const ACK_CODES = ['AA', 'AE', 'AR', 'CA', 'CE', 'CR'] as const;
export type AckCode = (typeof ACK_CODES)[number];

/** HL7 table 0357 codes used by this project. */
export const HL7_ERROR_CODES = {
  segmentSequence: { code: '100', codeText: 'Segment sequence error' },
  requiredFieldMissing: { code: '101', codeText: 'Required field missing' },
  dataType: { code: '102', codeText: 'Data type error' },
  tableValue: { code: '103', codeText: 'Table value not found' },
  unsupportedMessageType: { code: '200', codeText: 'Unsupported message type' },
  unsupportedEvent: { code: '201', codeText: 'Unsupported event code' },
  unsupportedProcessingId: { code: '202', codeText: 'Unsupported processing id' },
  unsupportedVersion: { code: '203', codeText: 'Unsupported version id' },
  duplicateKey: { code: '205', codeText: 'Duplicate key identifier' },
  applicationError: { code: '207', codeText: 'Application internal error' },
} as const satisfies Record<string, { code: string; codeText: string }>;

export interface AckErrorDetail {
  /** ERR-2 location, e.g. `PID^1^3` (segment^sequence^field), unescaped. */
  location?: string;
  /** ERR-3.1 (table 0357). */
  code?: string;
  /** ERR-3.2. */
  codeText?: string;
  /** ERR-4: E error, W warning, I information. */
  severity?: string;
  /** ERR-8 user message (or the text part of a v2.3-style ERR-1). */
  message?: string;
}

export interface ParsedAck {
  ackCode: AckCode;
  /** MSA-2: the MSH-10 of the message being acknowledged. */
  acknowledgedControlId: string;
  /** MSA-3 text, unescaped. */
  text: string;
  errors: AckErrorDetail[];
  /** MSH-10 of the ACK itself. */
  controlId: string;
  /** MSH-9 as written, e.g. `ACK^R01^ACK`. */
  messageType: string;
  delimiters: Hl7Delimiters;
}

export function isAckCode(v: string): v is AckCode {
  return (ACK_CODES as readonly string[]).includes(v);
}

/** Parse an ACK (bytes: charset from its MSH-18, UTF-8 otherwise). Throws Hl7ParseError. */
export function parseAck(raw: string | Buffer): ParsedAck {
  const text = typeof raw === 'string' ? raw : decodeHl7Bytes(raw).text;
  const msg = parseHl7(text);
  const d = msg.delimiters;
  const msh = findSegment(msg, 'MSH');
  const msa = findSegment(msg, 'MSA');
  if (!msa) throw new Hl7ParseError('ACK without MSA segment');
  const code = field(msa, 1).trim().toUpperCase();
  if (!isAckCode(code)) throw new Hl7ParseError('ACK with an unknown MSA-1 code');
  const u = (v: string): string => unescapeHl7(v, d);

  const errors = findSegments(msg, 'ERR').map((err): AckErrorDetail => {
    const err3 = field(err, 3);
    const err1 = field(err, 1);
    const detail: AckErrorDetail = {};
    if (err3) {
      // v2.5 layout: ERR-2 location (ERL), ERR-3 code (CWE), ERR-4 severity, ERR-8 message.
      const loc = field(err, 2);
      if (loc) detail.location = [1, 2, 3].map((i) => u(component(loc, d, i))).filter(Boolean).join('^');
      detail.code = u(component(err3, d, 1));
      detail.codeText = u(component(err3, d, 2)) || undefined;
      detail.severity = u(field(err, 4)) || undefined;
      detail.message = u(field(err, 8)) || undefined;
    } else if (err1) {
      // v2.3/2.4 layout: ERR-1 ELD = segment^sequence^field^code&text&table.
      detail.location = [1, 2, 3].map((i) => u(component(err1, d, i))).filter(Boolean).join('^') || undefined;
      detail.code = u(component(err1, d, 4, 1)) || undefined;
      detail.codeText = u(component(err1, d, 4, 2)) || undefined;
    }
    return detail;
  });

  return {
    ackCode: code,
    acknowledgedControlId: u(field(msa, 2)),
    text: u(field(msa, 3)),
    errors,
    controlId: u(field(msh, 10)),
    messageType: field(msh, 9),
    delimiters: d,
  };
}

/** One line for a failure report: MSA-3 and the ERR codes/texts (text from the EHR). */
export function ackReason(ack: ParsedAck): string {
  const parts = [ack.text, ...ack.errors.map((e) => [e.code, e.codeText, e.message, e.location && `at ${e.location}`].filter(Boolean).join(' '))];
  return parts.filter(Boolean).join('; ') || `MSA-1 ${ack.ackCode} without reason`;
}

export interface BuildAckOptions {
  ackCode: AckCode;
  /** MSA-3 text. */
  text?: string;
  errors?: AckErrorDetail[];
  /** MSH-10 of the ACK; default a fresh random id. */
  controlId?: string;
  now?: Date;
  timeZone?: string;
}

/**
 * Build the ACK for a received message, with the message's own delimiters, swapped
 * sender/receiver, MSH-9 `ACK^<event>^ACK`, and its MSH-11/12/18. With `null` (garbage that
 * did not parse) the ACK uses default delimiters and an empty MSA-2 (best effort).
 */
export function buildAck(original: ParsedHl7 | null, opts: BuildAckOptions): string {
  const d = original?.delimiters ?? DEFAULT_DELIMITERS;
  const msh = original ? findSegment(original, 'MSH') : undefined;
  const esc = (v: string | undefined): string => (v ? escapeHl7(v, d) : '');
  const event = msh ? component(field(msh, 9), d, 2) : '';
  const fs = d.field;
  const mshFields = [
    field(msh, 5), // MSH-3 <- their MSH-5
    field(msh, 6),
    field(msh, 3), // MSH-5 <- their MSH-3
    field(msh, 4),
    formatHl7DateTime(opts.now ?? new Date(), { timeZone: opts.timeZone }),
    '',
    ['ACK', event, 'ACK'].join(d.component),
    esc(opts.controlId ?? randomUUID().replace(/-/g, '').slice(0, 20)),
    field(msh, 11) || 'P',
    field(msh, 12) || '2.5',
    '', '', '', '', '', // MSH-13..17
    field(msh, 18),
  ];
  const segments = [`MSH${fs}${encodingCharacters(d)}${fs}${trimJoin(mshFields, fs)}`];
  segments.push(trimJoin(['MSA', opts.ackCode, field(msh, 10), esc(opts.text)], fs));
  for (const e of opts.errors ?? []) {
    // Locations are given as `SEG^seq^field` whatever the message's delimiters.
    const location = trimJoin((e.location ?? '').split('^').map(esc), d.component);
    const code = trimJoin([esc(e.code), esc(e.codeText), e.code ? 'HL70357' : ''], d.component);
    segments.push(trimJoin(['ERR', '', location, code, esc(e.severity ?? 'E'), '', '', '', esc(e.message)], fs));
  }
  return segments.join('\r') + '\r';
}

function trimJoin(parts: string[], sep: string): string {
  let end = parts.length;
  while (end > 0 && parts[end - 1] === '') end--;
  return parts.slice(0, end).join(sep);
}

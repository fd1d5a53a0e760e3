import { createHash } from 'node:crypto';
import { HL7_ERROR_CODES, buildAck, type AckErrorDetail } from '../../hl7/ack.js';
import { decodeHl7Bytes, encodeText, type Hl7Charset } from '../../hl7/charset.js';
import { unescapeHl7 } from '../../hl7/escape.js';
import { component, field, findSegment, findSegments, parseHl7, type ParsedHl7 } from '../../hl7/parse.js';
import type { EhrSandboxStore, ReceivedDocumentInfo, ReceivedItem, SandboxTransport } from './store.js';

/**
 * The receiving EHR's HL7 logic, shared by the MLLP listener and `.hl7` file drops:
 * parse (CR, LF or CRLF), check the header and the segments the message type needs,
 * de-duplicate on sender + MSH-10, answer per the sandbox mode. A real receiver would write
 * durably before answering; the sandbox "stores" in memory.
 *
 * Documents (ORU^R01, MDM^T02) are what the EHR delivery sends. Patients (ADT^A04/A08) and
 * appointments (SIU^S12-S15) are what the sync back to an HL7 EMR sends (issue 9): the sandbox
 * then plays that EMR. Required segments per HL7 v2.5.1 ch. 3 (ADT_A01: EVN, PID) and ch. 10
 * (SIU_S12: SCH, PID in the patient group).
 */
const REQUIRED_SEGMENTS: Record<string, string[]> = {
  'ORU^R01': ['PID', 'OBR', 'OBX'],
  'MDM^T02': ['EVN', 'PID', 'TXA', 'OBX'],
  'ADT^A04': ['EVN', 'PID'],
  'ADT^A08': ['EVN', 'PID'],
  'SIU^S12': ['SCH', 'PID'],
  'SIU^S13': ['SCH', 'PID'],
  'SIU^S14': ['SCH', 'PID'],
  'SIU^S15': ['SCH', 'PID'],
};

/** MSH-5 of messages meant for the engine itself (the EMR feed simulator's receiving application). */
const ENGINE_APPLICATION = 'EHRBRIDGE';

/** For the AR text: the types this receiver takes, in words. */
export const ACCEPTED_HL7_TYPES = Object.keys(REQUIRED_SEGMENTS);

export interface Hl7ReceiveResult {
  /** ACK bytes to send (same charset as the message), or null for no answer. */
  ack: Buffer | null;
  ackCode: 'AA' | 'AE' | 'AR' | null;
}

export function receiveHl7(
  raw: Buffer,
  transport: SandboxTransport,
  store: EhrSandboxStore,
  opts: { fallbackCharset?: Hl7Charset; extra?: Pick<ReceivedItem, 'files'> } = {},
): Hl7ReceiveResult {
  const { text, charset } = decodeHl7Bytes(raw, opts.fallbackCharset ?? 'UTF-8');
  const mode = store.mode;
  let msg: ParsedHl7;
  try {
    msg = parseHl7(text);
  } catch (err) {
    // Garbage: AR with a best-effort MSA-2, raw text kept (quarantine).
    const errors = [{ ...HL7_ERROR_CODES.segmentSequence, message: (err as Error).message }];
    const answer = mode === 'none' ? null : 'AR';
    store.add({ transport, controlId: null, messageType: null, ack: answer, accepted: false, errors: errorTexts(errors), raw: text, rawElided: text, ...opts.extra });
    return answer ? { ack: encodeAck(buildAck(null, { ackCode: 'AR', text: 'unreadable message', errors }), charset), ackCode: 'AR' } : noAnswer();
  }

  const d = msg.delimiters;
  const msh = findSegment(msg, 'MSH');
  const messageType = [component(field(msh, 9), d, 1), component(field(msh, 9), d, 2)].filter(Boolean).join('^');
  const controlId = unescapeHl7(field(msh, 10), d);
  const base = { transport, controlId: controlId || null, messageType: messageType || null, raw: text, rawElided: elideHl7(msg, text), ...opts.extra };

  // Never acknowledge an acknowledgement (it would loop between two robust systems).
  if (component(field(msh, 9), d, 1) === 'ACK') {
    store.add({ ...base, ack: null, accepted: false, errors: ['ACK received: not answered'] });
    return noAnswer();
  }
  if (mode === 'none') {
    store.add({ ...base, ack: null, accepted: false, errors: ['sandbox mode none: not answered'] });
    return noAnswer();
  }
  if (mode === 'AE' || mode === 'AR') {
    const errors = [{ ...HL7_ERROR_CODES.applicationError, message: `sandbox mode ${mode}` }];
    store.add({ ...base, ack: mode, accepted: false, errors: errorTexts(errors) });
    return { ack: encodeAck(buildAck(msg, { ackCode: mode, text: `rejected by sandbox mode ${mode}`, errors }), charset), ackCode: mode };
  }

  const { code, errors } = validate(msg, messageType);
  if (code !== 'AA') {
    store.add({ ...base, ack: code, accepted: false, errors: errorTexts(errors) });
    return { ack: encodeAck(buildAck(msg, { ackCode: code, text: errors[0]?.message, errors }), charset), ackCode: code };
  }

  const dedupeKey = `hl7:${field(msh, 3)}|${field(msh, 4)}|${controlId}`;
  if (store.checkDuplicate(dedupeKey)) {
    return { ack: encodeAck(buildAck(msg, { ackCode: 'AA', text: 'duplicate: already stored' }), charset), ackCode: 'AA' };
  }
  const doc = extractDocument(msg);
  store.add({ ...base, ack: 'AA', accepted: true, errors: [], document: doc?.info }, doc?.bytes, dedupeKey);
  return { ack: encodeAck(buildAck(msg, { ackCode: 'AA' }), charset), ackCode: 'AA' };
}

function noAnswer(): Hl7ReceiveResult {
  return { ack: null, ackCode: null };
}

function encodeAck(text: string, charset: Hl7Charset): Buffer {
  return encodeText(text, charset, { onUnmappable: 'substitute' });
}

function errorTexts(errors: AckErrorDetail[]): string[] {
  return errors.map((e) => [e.code, e.codeText, e.message, e.location && `at ${e.location}`].filter(Boolean).join(' '));
}

function validate(msg: ParsedHl7, messageType: string): { code: 'AA' | 'AE' | 'AR'; errors: AckErrorDetail[] } {
  const d = msg.delimiters;
  const msh = findSegment(msg, 'MSH');
  if (!field(msh, 12).startsWith('2.')) {
    return { code: 'AR', errors: [{ ...HL7_ERROR_CODES.unsupportedVersion, location: 'MSH^1^12', message: 'HL7 v2.x expected' }] };
  }
  const required = REQUIRED_SEGMENTS[messageType];
  if (!required) {
    return { code: 'AR', errors: [{ ...HL7_ERROR_CODES.unsupportedMessageType, location: 'MSH^1^9', message: `only ${ACCEPTED_HL7_TYPES.join(', ')} are accepted` }] };
  }
  // The EMR feed simulator addresses its ADT/SIU to the engine (MSH-5 EHRBRIDGE). Pointed at
  // this port by mistake it must not be swallowed with AA: an AR for the type makes the feed stop
  // and say which port the engine's HL7 inbound listens on.
  const type = messageType.slice(0, 3);
  if ((type === 'ADT' || type === 'SIU') && unescapeHl7(component(field(msh, 5), d, 1), d).toUpperCase() === ENGINE_APPLICATION) {
    return {
      code: 'AR',
      errors: [{ ...HL7_ERROR_CODES.unsupportedMessageType, location: 'MSH^1^5', message: `${type} message type addressed to ${ENGINE_APPLICATION}: this is the sandbox EHR receiver, not the engine's HL7 inbound` }],
    };
  }
  const errors: AckErrorDetail[] = [];
  if (!field(msh, 10)) errors.push({ ...HL7_ERROR_CODES.requiredFieldMissing, location: 'MSH^1^10', message: 'MSH-10 control id is required' });
  for (const name of required) {
    if (!findSegment(msg, name)) errors.push({ ...HL7_ERROR_CODES.segmentSequence, location: name, message: `${name} segment is required` });
  }
  const pid = findSegment(msg, 'PID');
  if (pid && !component(field(pid, 3), d, 1)) {
    errors.push({ ...HL7_ERROR_CODES.requiredFieldMissing, location: 'PID^1^3', message: 'PID-3 patient identifier is required' });
  }
  // Documents travel in an ED OBX; the OBX of an ADT or SIU (vital signs, answers) is not checked.
  const obxs = required.includes('OBX') ? findSegments(msg, 'OBX') : [];
  if (obxs.length > 0) {
    const ed = obxs.find((o) => field(o, 2) === 'ED');
    if (!ed) errors.push({ ...HL7_ERROR_CODES.requiredFieldMissing, location: 'OBX^1^2', message: 'no OBX of type ED carrying the document' });
    else if (!isBase64(component(field(ed, 5), d, 5))) {
      errors.push({ ...HL7_ERROR_CODES.dataType, location: 'OBX^1^5', message: 'OBX-5 data is not base64' });
    }
  }
  return { code: errors.length > 0 ? 'AE' : 'AA', errors };
}

function isBase64(value: string): boolean {
  const compact = value.replace(/\s+/g, '');
  return compact.length > 0 && compact.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact);
}

const ED_TYPES: Record<string, string> = {
  'AP^PDF': 'application/pdf',
  'IM^JPEG': 'image/jpeg',
  'IM^PNG': 'image/png',
  'TX^': 'application/txt',
};

function extractDocument(msg: ParsedHl7): { bytes: Buffer; info: ReceivedDocumentInfo } | undefined {
  const d = msg.delimiters;
  const ed = findSegments(msg, 'OBX').find((o) => field(o, 2) === 'ED');
  if (!ed) return undefined;
  const value = field(ed, 5);
  const type = component(value, d, 2);
  const subtype = component(value, d, 3);
  // v2.5 tables 0191/0291, or v2.6+ MIME type/subtype: both accepted on input.
  const contentType = ED_TYPES[`${type}^${subtype}`] ?? (type.includes('/') ? type : `${type}/${subtype}`.toLowerCase());
  const bytes = Buffer.from(component(value, d, 5).replace(/\s+/g, ''), 'base64');
  return { bytes, info: { contentType, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') } };
}

/** The message text with each ED OBX-5 data component replaced by a placeholder. */
export function elideHl7(msg: ParsedHl7, text: string): string {
  const d = msg.delimiters;
  return text
    .split(/(\r\n|\r|\n)/)
    .map((line) => {
      if (!line.startsWith(`OBX${d.field}`)) return line;
      const fields = line.split(d.field);
      if (fields[2] !== 'ED' || fields[5] === undefined) return line;
      const comps = fields[5].split(d.component);
      const data = comps[4];
      if (data === undefined || data.length <= 64) return line;
      comps[4] = `<base64 elided: ${data.length} chars>`;
      fields[5] = comps.join(d.component);
      return fields.join(d.field);
    })
    .join('');
}

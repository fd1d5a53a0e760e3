import { createHash } from 'node:crypto';
import { HL7_ERROR_CODES, buildAck } from '../../hl7/ack.js';
import { charsetFromMsh18, decodeText, encodeText, type Hl7Charset } from '../../hl7/charset.js';
import { MAX_CONTROL_ID_LENGTH } from '../../hl7/control-id.js';
import { DEFAULT_DELIMITERS, escapeHl7, type Hl7Delimiters } from '../../hl7/escape.js';
import { parseHl7, type ParsedHl7 } from '../../hl7/parse.js';
import { SIU_EVENTS, mapSiu, type SiuEvent } from './appointment.js';
import { decodeInbound, firstMsh18Repetition, mshLine } from './decode.js';
import { isKnownTimeZone, parseDtm } from './dtm.js';
import { Hl7ContentError, mappingContext, missingSegment, requiredFieldMissing, type MappingContext } from './mapping-context.js';
import { emrIdOf, emrLocation, mapPid } from './patient.js';
import { MessageReader } from './reader.js';
import type { CanonicalEvent, Hl7Error, Hl7Header, InboundOptions, InboundResult } from './types.js';

export type {
  AppointmentChange,
  CanonicalEvent,
  EmrLocation,
  Hl7Error,
  Hl7Header,
  InboundOptions,
  InboundResult,
} from './types.js';

/**
 * Inbound HL7 v2 (ADT, SIU) -> canonical FHIR R4 events, and the original-mode ACK.
 * Pure: no database, no socket. The MLLP listener stores the raw bytes and the result, then
 * sends `buildInboundAck(result, raw)` (never for an inbound ACK: kind 'ignored', reason 'ack').
 * The mapping is documented field by field in docs/hl7v2-to-fhir.md.
 */

/** ADT events that carry a patient's demographics (new or updated). */
export const ADT_UPSERT_EVENTS = ['A01', 'A04', 'A05', 'A08', 'A28', 'A31'] as const;
/** ADT events acknowledged with AA and otherwise ignored: they change nothing OnCall holds. */
export const ADT_IGNORED_EVENTS = {
  A03: 'discharge: nothing to sync',
  A11: 'admission cancelled: nothing to sync',
} as const satisfies Record<string, string>;
export const ADT_MERGE_EVENT = 'A40';
export { SIU_EVENTS };

/** @deprecated The first published name of InboundOptions (timeZone now lives there). */
export type InboundParseOptions = InboundOptions;

/** Versions 2.2 to 2.8 (with their point releases: 2.3.1, 2.5.1, 2.7.1, 2.8.1, 2.8.2). */
export const SUPPORTED_VERSION = /^2\.[2-8](\.\d+)?$/;

/**
 * Check the options once, when a listener is configured (parseInbound checks them too).
 * Throws with a message naming the option.
 */
export function validateInboundOptions(opts: InboundOptions): void {
  if (opts.timeZone !== undefined && !isKnownTimeZone(opts.timeZone)) {
    throw new RangeError(`timeZone: "${opts.timeZone}" is not an IANA time zone (e.g. America/Toronto)`);
  }
  if (opts.charset !== undefined && opts.charset !== 'UTF-8' && opts.charset !== 'ISO-8859-1') {
    throw new RangeError(`charset: "${String(opts.charset)}" is not UTF-8 or ISO-8859-1`);
  }
  if (opts.emrIdType !== undefined && !/^[A-Za-z0-9_-]{1,10}$/.test(opts.emrIdType)) {
    throw new RangeError('emrIdType: an identifier type code (HL7 table 0203, e.g. MR, PI, PT) of 1-10 letters or digits');
  }
}

export function parseInbound(raw: Buffer, opts: InboundOptions = {}): InboundResult {
  validateInboundOptions(opts);
  const decoded = decodeInbound(raw, opts.charset ?? 'UTF-8');
  const text = decoded.text.replace(/^[\s\uFEFF]+/, '');
  if (!text.startsWith('MSH')) {
    return reject('AR', null, errorOf('segmentSequence', 'MSH', 'not an HL7 v2 message: no MSH segment at the start'));
  }
  let reader: MessageReader;
  try {
    reader = MessageReader.parse(text, decoded.charset);
  } catch {
    return reject('AR', null, errorOf('segmentSequence', 'MSH', 'the MSH segment is malformed: its delimiters cannot be read'));
  }

  const msh = reader.msh;
  const type = msh.value(9, 1).toUpperCase();
  // v2.2 senders sometimes leave MSH-9.2 empty and give the event in EVN-1 only.
  const event = (msh.value(9, 2) || reader.first('EVN')?.value(1) || '').toUpperCase();
  const header: Hl7Header = {
    sendingApplication: msh.value(3, 1),
    sendingFacility: msh.value(4, 1),
    // MSH-10 is ST: the whole field, even when a sender put a delimiter in it.
    controlId: msh.text(10),
    messageType: [type, event].filter(Boolean).join('^'),
    event,
    version: msh.value(12, 1),
    charset: decoded.charset,
  };
  const timestamp = parseDtm(msh.value(7, 1), opts.timeZone)?.instant;
  if (timestamp) header.timestamp = timestamp;

  // Never acknowledge an acknowledgement.
  if (type === 'ACK') return { kind: 'ignored', header, reason: 'ack' };

  if (!SUPPORTED_VERSION.test(header.version)) {
    return reject('AR', header, errorOf('unsupportedVersion', 'MSH^1^12', 'version not supported: 2.2 to 2.8 are accepted'));
  }
  if (type !== 'ADT' && type !== 'SIU') {
    return reject('AR', header, errorOf('unsupportedMessageType', 'MSH^1^9', 'message type not supported: ADT and SIU are accepted'));
  }
  const known =
    type === 'ADT'
      ? (ADT_UPSERT_EVENTS as readonly string[]).includes(event) || event === ADT_MERGE_EVENT || event in ADT_IGNORED_EVENTS
      : event in SIU_EVENTS;
  if (!known) {
    return reject('AR', header, errorOf('unsupportedEvent', 'MSH^1^9', `trigger event not supported for ${type}`));
  }
  if (!header.controlId) {
    return reject('AE', header, requiredFieldMissing(msh, 10, 'message control id').error);
  }
  if (decoded.unreadable) {
    return reject(
      'AE',
      header,
      errorOf('dataType', 'MSH^1^18', 'the bytes are not valid UTF-8 and not ISO-8859-1 text: character set unknown'),
    );
  }

  const ctx = mappingContext({ emrIdType: opts.emrIdType, emrIdSystem: opts.emrIdSystem, timeZone: opts.timeZone });
  if (decoded.expected && decoded.expected !== decoded.charset) {
    ctx.warnings.push(`the bytes are not valid ${decoded.expected}: read as ${decoded.charset}`);
  }
  if (reader.invalidLines > 0) {
    ctx.warnings.push(`${reader.invalidLines} line(s) without a segment id were skipped (a line break inside a value?)`);
  }

  try {
    if (type === 'ADT' && event in ADT_IGNORED_EVENTS) {
      const ignored: InboundResult = { kind: 'ignored', header, reason: ADT_IGNORED_EVENTS[event as keyof typeof ADT_IGNORED_EVENTS] };
      const id = emrIdOf(reader.first('PID')?.repetitions(3) ?? [], ctx.emrIdType);
      if (id) ignored.patientIds = [id];
      return ignored;
    }
    const events = type === 'SIU' ? [mapSiu(reader, event as SiuEvent, ctx)] : event === ADT_MERGE_EVENT ? mapMerges(reader, ctx) : [mapAdtUpsert(reader, ctx)];
    const result: InboundResult = { kind: 'accepted', header, patientIds: patientIdsOf(events), events };
    if (ctx.warnings.length > 0) result.warnings = [...new Set(ctx.warnings)];
    return result;
  } catch (err) {
    if (err instanceof Hl7ContentError) return reject('AE', header, err.error);
    throw err;
  }
}

function mapAdtUpsert(reader: MessageReader, ctx: MappingContext): CanonicalEvent {
  const pid = reader.first('PID');
  if (!pid) throw missingSegment('PID', 'patient identification');
  const { emrPatientId, patient } = mapPid(pid, ctx);
  const event: CanonicalEvent = { type: 'patient-upsert', emrPatientId, patient };
  const location = emrLocation(reader.first('PV1')?.repetitions(3)[0]);
  if (location) event.emrLocation = location;
  return event;
}

/** ADT_A39 structure: one or more (PID, [PD1], MRG, [PV1]) groups; survivor in PID-3, retired in MRG-1. */
function mapMerges(reader: MessageReader, ctx: MappingContext): CanonicalEvent[] {
  const events: CanonicalEvent[] = [];
  const pids = reader.all('PID');
  if (pids.length === 0) throw missingSegment('PID', 'surviving patient');
  for (let i = 0; i < reader.segments.length; i++) {
    const pid = reader.segments[i];
    if (pid?.name !== 'PID') continue;
    let mrg;
    for (let j = i + 1; j < reader.segments.length; j++) {
      const s = reader.segments[j];
      if (s?.name === 'PID') break;
      if (s?.name === 'MRG') {
        mrg = s;
        break;
      }
    }
    if (!mrg) throw missingSegment('MRG', `retired patient after PID ${pid.sequence}`);
    const survivorId = emrIdOf(pid.repetitions(3), ctx.emrIdType);
    if (!survivorId) throw requiredFieldMissing(pid, 3, 'surviving patient identifier');
    const retiredId = emrIdOf(mrg.repetitions(1), ctx.emrIdType);
    if (!retiredId) throw requiredFieldMissing(mrg, 1, 'prior patient identifier list');
    if (survivorId === retiredId) {
      ctx.warnings.push(`MRG ${mrg.sequence} names the surviving patient itself: nothing to merge`);
      continue;
    }
    events.push({ type: 'patient-merge', survivorId, retiredId });
  }
  return events;
}

function patientIdsOf(events: CanonicalEvent[]): string[] {
  const ids: string[] = [];
  for (const e of events) {
    if (e.type === 'patient-upsert') ids.push(e.emrPatientId);
    else if (e.type === 'patient-merge') ids.push(e.survivorId, e.retiredId);
    else ids.push(...e.emrPatientIds);
  }
  return [...new Set(ids)];
}

function reject(ack: 'AE' | 'AR', header: Hl7Header | null, error: Hl7Error): InboundResult {
  return { kind: 'rejected', ack, header, errors: [error] };
}

function errorOf(key: keyof typeof HL7_ERROR_CODES, location: string, text: string): Hl7Error {
  const { code, codeText } = HL7_ERROR_CODES[key];
  return { code, codeText, location, text };
}

export interface InboundAckOptions {
  now?: Date;
  /** Zone of the ACK's MSH-7; default the project's (src/hl7/datetime.ts). */
  timeZone?: string;
  /** MSH-10 of the ACK; default derived from the received bytes (a resend gets the same id). */
  controlId?: string;
}

/**
 * The original-mode ACK for a received message: MSH-3/4 <- their MSH-5/6 and back, MSA-1 AA /
 * AE / AR, MSA-2 = their MSH-10, and an ERR per error: ERR-2 location, ERR-3 code (table
 * 0357), ERR-4 severity, ERR-8 text for v2.5 and later; ERR-1 (ELD) and MSA-3 before v2.5.
 * Encoded in the message's charset (its MSH-18 is echoed). Throws for an inbound ACK.
 */
export function buildInboundAck(result: InboundResult, raw: Buffer, opts: InboundAckOptions = {}): Buffer {
  if (result.kind === 'ignored' && result.reason === 'ack') {
    throw new Error('an inbound ACK is never acknowledged');
  }
  const header = result.header;
  const original = header ? readMshOnly(raw, header.charset ?? 'UTF-8') : null;
  const d: Hl7Delimiters = original?.delimiters ?? DEFAULT_DELIMITERS;
  const errors = result.kind === 'rejected' ? result.errors : [];
  const modern = isV25OrLater(header?.version ?? '');
  let text = buildAck(original, {
    ackCode: result.kind === 'rejected' ? result.ack : 'AA',
    text: !modern ? errors[0]?.text : undefined,
    // 20 hex characters (80 bits) of the SHA-256 of the bytes: a resend gets the same ACK id.
    controlId: opts.controlId ?? createHash('sha256').update(raw).digest('hex').slice(0, MAX_CONTROL_ID_LENGTH).toUpperCase(),
    now: opts.now,
    timeZone: opts.timeZone,
  });
  for (const e of errors) text += errSegment(e, d, modern) + '\r';

  const declared = original ? firstMsh18Repetition(raw) : '';
  const charset: Hl7Charset = declared ? charsetFromMsh18(declared, header?.charset ?? 'UTF-8') : (header?.charset ?? 'UTF-8');
  return encodeText(text, charset, { onUnmappable: 'substitute' });
}

/** Only the MSH line is decoded and read again: the ACK needs nothing else. */
function readMshOnly(raw: Buffer, charset: Hl7Charset): ParsedHl7 | null {
  const bytes = mshLine(raw);
  if (bytes.length === 0) return null;
  try {
    return parseHl7(decodeText(bytes, charset));
  } catch {
    return null;
  }
}

/** True for 2.5 and later (and for an unknown version: the current layout is the safer guess). */
function isV25OrLater(version: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return true;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 2 || (major === 2 && minor >= 5);
}

function errSegment(e: Hl7Error, d: Hl7Delimiters, modern: boolean): string {
  const esc = (v: string | undefined): string => (v ? escapeHl7(v, d) : '');
  const loc = (e.location ?? '').split('^');
  const fs = d.field;
  if (modern) {
    // v2.5 ERR: 1 (ELD, backward compatibility), 2 location (ERL), 3 code (CWE), 4 severity, ... 8 user message.
    const location = trimJoin(loc.map(esc), d.component);
    const code = trimJoin([esc(e.code), esc(e.codeText), 'HL70357'], d.component);
    return trimJoin(['ERR', '', location, code, 'E', '', '', '', esc(e.text)], fs);
  }
  // v2.2-2.4 ERR-1 (ELD): segment ^ sequence ^ field ^ code&text&HL70357.
  const code = trimJoin([esc(e.code), esc(e.codeText), 'HL70357'], d.subcomponent);
  const eld = trimJoin([esc(loc[0]), esc(loc[1]), esc(loc[2]), code], d.component);
  return trimJoin(['ERR', eld], fs);
}

function trimJoin(parts: string[], sep: string): string {
  let end = parts.length;
  while (end > 0 && parts[end - 1] === '') end--;
  return parts.slice(0, end).join(sep);
}

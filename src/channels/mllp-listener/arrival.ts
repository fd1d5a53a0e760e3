import type { Hl7Charset } from '../../hl7/charset.js';
import { HL7_ERROR_CODES } from '../../hl7/ack.js';
import { delimitersFromHeader, unescapeHl7, type Hl7Delimiters } from '../../hl7/escape.js';
import { decodeInbound } from '../hl7v2/decode.js';
import { ADT_IGNORED_EVENTS, ADT_MERGE_EVENT, ADT_UPSERT_EVENTS, SIU_EVENTS, SUPPORTED_VERSION } from '../hl7v2/inbound.js';
import { Hl7ContentError, missingSegment, requiredFieldMissing } from '../hl7v2/mapping-context.js';
import { emrIdOf } from '../hl7v2/patient.js';
import { Repetition, type SegmentView } from '../hl7v2/reader.js';
import type { Hl7Error, Hl7Header } from '../hl7v2/types.js';

/**
 * What the MLLP listener decides when a message arrives, before it is stored and acknowledged
 * (issue 8, "ACK after the durable write"): the header, the decision (take in, ignore, refuse)
 * and the EMR ids of the patients it is about. The same rules and error codes as `parseInbound`
 * (src/channels/hl7v2/inbound.ts) for the header (not HL7: AR; version, type or event not
 * supported: AR; MSH-10 empty or charset unknown: AE) and for the patients (PID/PID-3, MRG-1,
 * SCH-2 missing: AE), and nothing more.
 *
 * The listener maps whole messages with `parseInbound` (issue 8 asks for AE at once for unusable
 * content); this reader serves what cannot be mapped whole: the head of an oversize frame, whose
 * header still names the message in the stored row. listener.test.ts and arrival.test.ts check
 * it against parseInbound.
 *
 * Read with plain string splits of the few segments needed (MSH, EVN, PID, MRG, SCH); values
 * go through the hl7v2 reader's `Repetition` (trimmed, `""` as empty, unescaped in the
 * message's charset) so ids read exactly as processing reads them.
 */
export type Arrival =
  | {
      kind: 'accepted';
      header: Hl7Header;
      patientIds: string[];
      warnings?: string[];
    }
  | { kind: 'ignored'; header: Hl7Header; reason: string; patientIds?: string[] }
  | { kind: 'rejected'; ack: 'AE' | 'AR'; header: Hl7Header | null; errors: Hl7Error[] };

export interface ArrivalOptions {
  charset?: Hl7Charset;
  emrIdType?: string;
}

const ADT_UPSERT = new Set<string>(ADT_UPSERT_EVENTS);
const SEGMENT_ID = /^[A-Z][A-Z0-9]{2}$/;

/** Segments the decision reads; the others are only checked for a valid id (the warning). */
const WANTED = new Set(['MSH', 'EVN', 'PID', 'MRG', 'SCH']);

interface Seg {
  name: string;
  /** 1-based occurrence of this segment id (ERR-2 segment sequence). */
  sequence: number;
  /** `fields[n]` is field n as HL7 counts (MSH too: fields[1] is the field separator). */
  fields: string[];
}

export function readArrival(raw: Buffer, opts: ArrivalOptions = {}): Arrival {
  const decoded = decodeInbound(raw, opts.charset ?? 'UTF-8');
  const text = decoded.text.replace(/^[\s\uFEFF]+/, '');
  if (!text.startsWith('MSH')) {
    return reject('AR', null, errorOf('segmentSequence', 'MSH', 'not an HL7 v2 message: no MSH segment at the start'));
  }
  let d: Hl7Delimiters;
  try {
    d = delimitersFromHeader(text);
  } catch {
    return reject('AR', null, errorOf('segmentSequence', 'MSH', 'the MSH segment is malformed: its delimiters cannot be read'));
  }
  const charset = decoded.charset;
  const hex = charset === 'UTF-8' ? 'utf8' : 'latin1';

  const segs: Seg[] = [];
  const seen = new Map<string, number>();
  let lines = 0;
  let valid = 0;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line.trim() === '') continue;
    lines++;
    const name = line.slice(0, 3);
    if (!SEGMENT_ID.test(name) || (line.length !== 3 && line.charAt(3) !== d.field)) continue;
    valid++;
    const sequence = (seen.get(name) ?? 0) + 1;
    seen.set(name, sequence);
    if (!WANTED.has(name)) continue;
    const parts = line.split(d.field);
    segs.push({ name, sequence, fields: name === 'MSH' ? ['MSH', d.field, ...parts.slice(1)] : parts });
  }
  const msh = segs[0] as Seg;
  const first = (name: string): Seg | undefined => segs.find((s) => s.name === name);
  const reps = (s: Seg | undefined, n: number): Repetition[] => {
    const f = s?.fields[n];
    if (f === undefined) return [];
    return f.split(d.repetition).map((r, i) => new Repetition(r.split(d.component), d, charset, i + 1));
  };
  const value = (s: Seg | undefined, n: number, c = 1): string => reps(s, n)[0]?.value(c) ?? '';

  const type = value(msh, 9, 1).toUpperCase();
  // v2.2 senders sometimes leave MSH-9.2 empty and give the event in EVN-1 only.
  const event = (value(msh, 9, 2) || value(first('EVN'), 1) || '').toUpperCase();
  const header: Hl7Header = {
    sendingApplication: value(msh, 3),
    sendingFacility: value(msh, 4),
    // MSH-10 is ST: the whole field, even when a sender put a delimiter in it.
    controlId: unescapeHl7(msh.fields[10] ?? '', d, { hexCharset: hex }).trim(),
    messageType: [type, event].filter(Boolean).join('^'),
    event,
    version: value(msh, 12),
    charset,
  };

  // Never acknowledge an acknowledgement.
  if (type === 'ACK') return { kind: 'ignored', header, reason: 'ack' };
  if (!SUPPORTED_VERSION.test(header.version)) {
    return reject('AR', header, errorOf('unsupportedVersion', 'MSH^1^12', 'version not supported: 2.2 to 2.8 are accepted'));
  }
  if (type !== 'ADT' && type !== 'SIU') {
    return reject('AR', header, errorOf('unsupportedMessageType', 'MSH^1^9', 'message type not supported: ADT and SIU are accepted'));
  }
  const known = type === 'ADT' ? ADT_UPSERT.has(event) || event === ADT_MERGE_EVENT || event in ADT_IGNORED_EVENTS : event in SIU_EVENTS;
  if (!known) return reject('AR', header, errorOf('unsupportedEvent', 'MSH^1^9', `trigger event not supported for ${type}`));
  if (!header.controlId) return reject('AE', header, requiredFieldMissing('MSH', 10, 'message control id').error);
  if (decoded.unreadable) {
    return reject('AE', header, errorOf('dataType', 'MSH^1^18', 'the bytes are not valid UTF-8 and not ISO-8859-1 text: character set unknown'));
  }

  const warnings: string[] = [];
  if (decoded.expected && decoded.expected !== decoded.charset) warnings.push(`the bytes are not valid ${decoded.expected}: read as ${decoded.charset}`);
  if (lines > valid) warnings.push(`${lines - valid} line(s) without a segment id were skipped (a line break inside a value?)`);

  const emrIdType = opts.emrIdType?.trim() || 'MR';
  const pidId = (pid: Seg): string => {
    const id = emrIdOf(reps(pid, 3), emrIdType);
    if (!id) throw requiredFieldMissing(location(pid), 3, 'patient identifier list');
    return id;
  };
  try {
    if (type === 'ADT' && event in ADT_IGNORED_EVENTS) {
      const ignored: Arrival = { kind: 'ignored', header, reason: ADT_IGNORED_EVENTS[event as keyof typeof ADT_IGNORED_EVENTS] };
      const id = emrIdOf(reps(first('PID'), 3), emrIdType);
      if (id) ignored.patientIds = [id];
      return ignored;
    }
    let ids: string[];
    if (type === 'SIU') {
      const sch = first('SCH');
      if (!sch) throw missingSegment('SCH', 'schedule activity information');
      if (!value(sch, 2) && !value(sch, 1)) throw requiredFieldMissing(location(sch), 2, 'filler appointment id');
      const pids = segs.filter((s) => s.name === 'PID');
      if (pids.length === 0) throw missingSegment('PID', 'patient identification');
      ids = pids.map(pidId);
    } else if (event === ADT_MERGE_EVENT) {
      ids = merges(segs, emrIdType, reps, warnings);
    } else {
      const pid = first('PID');
      if (!pid) throw missingSegment('PID', 'patient identification');
      ids = [pidId(pid)];
    }
    const result: Arrival = { kind: 'accepted', header, patientIds: [...new Set(ids)] };
    if (warnings.length > 0) result.warnings = [...new Set(warnings)];
    return result;
  } catch (err) {
    if (err instanceof Hl7ContentError) return reject('AE', header, err.error);
    throw err;
  }
}

/** ADT_A39 structure: (PID, [PD1], MRG, [PV1]) groups, as parseInbound's mapMerges reads them. */
function merges(segs: Seg[], emrIdType: string, reps: (s: Seg | undefined, n: number) => Repetition[], warnings: string[]): string[] {
  const ids: string[] = [];
  if (!segs.some((s) => s.name === 'PID')) throw missingSegment('PID', 'surviving patient');
  for (let i = 0; i < segs.length; i++) {
    const pid = segs[i] as Seg;
    if (pid.name !== 'PID') continue;
    let mrg: Seg | undefined;
    for (let j = i + 1; j < segs.length; j++) {
      const s = segs[j] as Seg;
      if (s.name === 'PID') break;
      if (s.name === 'MRG') {
        mrg = s;
        break;
      }
    }
    if (!mrg) throw missingSegment('MRG', `retired patient after PID ${pid.sequence}`);
    const survivorId = emrIdOf(reps(pid, 3), emrIdType);
    if (!survivorId) throw requiredFieldMissing(location(pid), 3, 'surviving patient identifier');
    const retiredId = emrIdOf(reps(mrg, 1), emrIdType);
    if (!retiredId) throw requiredFieldMissing(location(mrg), 1, 'prior patient identifier list');
    if (survivorId === retiredId) {
      warnings.push(`MRG ${mrg.sequence} names the surviving patient itself: nothing to merge`);
      continue;
    }
    ids.push(survivorId, retiredId);
  }
  return ids;
}

/**
 * `requiredFieldMissing` reads only a segment's `location(n)` (ERR-2 with its sequence: the
 * second PID of an SIU is `PID^2^3`), built here as the hl7v2 reader's `SegmentView` does.
 */
function location(s: Seg): SegmentView {
  return { location: (n: number) => `${s.name}^${s.sequence}^${n}` } as unknown as SegmentView;
}

function reject(ack: 'AE' | 'AR', header: Hl7Header | null, error: Hl7Error): Arrival {
  return { kind: 'rejected', ack, header, errors: [error] };
}

function errorOf(key: keyof typeof HL7_ERROR_CODES, location: string, text: string): Hl7Error {
  const { code, codeText } = HL7_ERROR_CODES[key];
  return { code, codeText, location, text };
}

import type { Encounter, HumanName, Identifier, Patient } from '@medplum/fhirtypes';
import { msh18For, type Hl7Charset } from './charset.js';
import { formatHl7DateTime, fhirDateTimeToHl7, fhirDateToHl7 } from './datetime.js';
import type { DocumentContentType, DocumentMessageInput } from './document-input.js';
import { DEFAULT_DELIMITERS, encodingCharacters, escapeHl7, type Hl7Delimiters, type NewlinePolicy } from './escape.js';

/** Options shared by the ORU^R01 and MDM^T02 builders. */
export interface Hl7BuildOptions {
  /** MSH-7 (and EVN-2); default: now. */
  now?: Date;
  /** Zone of every timestamp written; default Europe/Paris. */
  timeZone?: string;
  /** MSH-11: P production (default), T training, D debugging. */
  processingId?: 'P' | 'T' | 'D';
  /** MSH-18; the bytes must then be encoded with the same charset (charset.ts). */
  charset?: Hl7Charset;
  /** Delimiters to emit (MSH-1/MSH-2); default `|^~\&`. */
  delimiters?: Hl7Delimiters;
  /** original (default): MSH-15/16 empty, one ACK. enhanced: MSH-15 AL, MSH-16 NE (commit ACK). */
  ackMode?: 'original' | 'enhanced';
  /** MSH-17 country code (e.g. FRA); empty by default. */
  country?: string;
  /**
   * HD namespace per FHIR identifier system, for PID-3/PV1-19 assigning authorities (the OID or
   * URI of the system is written as the universal id). `Identifier.assigner.display` is used
   * when the system is not listed.
   */
  authorityNames?: Record<string, string>;
  /**
   * OBX-5 type/subtype style: `v2.5` (tables 0191/0291: `AP^PDF`, `IM^JPEG`...; default) or
   * `mime` (v2.6+: `application^pdf`).
   */
  edStyle?: 'v2.5' | 'mime';
  /** Where the author (RPPS) goes in OBR: default both OBR-16 (XCN) and OBR-32 (NDL). */
  authorFields?: readonly ('OBR-16' | 'OBR-32')[];
  /** Add an OBX TX carrying the document title after the ED OBX (ORU default true). */
  titleObx?: boolean;
  /** How line breaks inside values are escaped (escape.ts); default `hex`. */
  newline?: NewlinePolicy;
}

/** Identifier systems with a well-known French assigning authority (ANS). */
const KNOWN_AUTHORITIES: Record<string, { namespace: string; type: string }> = {
  'urn:oid:1.2.250.1.213.1.4.8': { namespace: 'ASIP-SANTE-INS-NIR', type: 'INS' },
  'urn:oid:1.2.250.1.213.1.4.10': { namespace: 'ASIP-SANTE-INS-NIA', type: 'INS' },
};

/** ANS: a health professional's national id is `8` + RPPS, authority ASIP-SANTE-PS. */
export const RPPS_AUTHORITY = { namespace: 'ASIP-SANTE-PS', oid: '1.2.250.1.71.4.2.1' } as const;

/** Value builder bound to one set of delimiters: leaves are escaped, empties trimmed. */
export class Hl7Writer {
  readonly d: Hl7Delimiters;
  readonly newline: NewlinePolicy;

  constructor(d: Hl7Delimiters = DEFAULT_DELIMITERS, newline: NewlinePolicy = 'hex') {
    this.d = d;
    this.newline = newline;
  }

  esc(value: string | undefined): string {
    return value ? escapeHl7(value, this.d, { newline: this.newline }) : '';
  }

  /** Join already-escaped components. */
  comp(...parts: (string | undefined)[]): string {
    return trimJoin(parts, this.d.component);
  }

  /** Join already-escaped subcomponents. */
  sub(...parts: (string | undefined)[]): string {
    return trimJoin(parts, this.d.subcomponent);
  }

  rep(values: string[]): string {
    return values.filter((v) => v !== '').join(this.d.repetition);
  }

  /** `fields[0]` is field 1. */
  segment(name: string, fields: (string | undefined)[]): string {
    return trimJoin([name, ...fields], this.d.field);
  }

  /** MSH with MSH-1/MSH-2 from the delimiters; `fields[0]` is MSH-3. */
  msh(fields: (string | undefined)[]): string {
    return `MSH${this.d.field}${encodingCharacters(this.d)}${this.d.field}${trimJoin(fields, this.d.field)}`;
  }
}

function trimJoin(parts: (string | undefined)[], sep: string): string {
  let end = parts.length;
  while (end > 0 && !parts[end - 1]) end--;
  return parts
    .slice(0, end)
    .map((p) => p ?? '')
    .join(sep);
}

export interface BuildContext {
  w: Hl7Writer;
  opts: Hl7BuildOptions;
  now: Date;
  timeZone: string | undefined;
}

export function buildContext(opts: Hl7BuildOptions): BuildContext {
  return {
    w: new Hl7Writer(opts.delimiters ?? DEFAULT_DELIMITERS, opts.newline ?? 'hex'),
    opts,
    now: opts.now ?? new Date(),
    timeZone: opts.timeZone,
  };
}

export function ts(ctx: BuildContext, date: Date): string {
  return formatHl7DateTime(date, { timeZone: ctx.timeZone });
}

export function mshSegment(ctx: BuildContext, input: DocumentMessageInput, messageType: [string, string, string]): string {
  const { w, opts } = ctx;
  const enhanced = opts.ackMode === 'enhanced';
  return w.msh([
    w.esc(input.sender.application), // MSH-3
    w.esc(input.sender.facility), // MSH-4
    w.esc(input.receiver.application), // MSH-5
    w.esc(input.receiver.facility), // MSH-6
    ts(ctx, ctx.now), // MSH-7
    '', // MSH-8 security
    w.comp(...messageType.map((t) => w.esc(t))), // MSH-9
    w.esc(input.controlId), // MSH-10
    opts.processingId ?? 'P', // MSH-11
    '2.5', // MSH-12
    '', // MSH-13
    '', // MSH-14
    enhanced ? 'AL' : '', // MSH-15 accept ack type
    enhanced ? 'NE' : '', // MSH-16 application ack type
    w.esc(opts.country), // MSH-17
    msh18For(opts.charset ?? 'UTF-8'), // MSH-18
  ]);
}

/** HD as subcomponents (inside a CX/XCN component): namespace&universal id&type. */
function authority(ctx: BuildContext, identifier: Identifier): { hd: string; type: string | undefined } {
  const { w, opts } = ctx;
  const system = identifier.system;
  const known = system ? KNOWN_AUTHORITIES[system] : undefined;
  const namespace = (system && opts.authorityNames?.[system]) ?? known?.namespace ?? identifier.assigner?.display;
  let universal: string | undefined;
  let universalType: string | undefined;
  if (system?.startsWith('urn:oid:')) {
    universal = system.slice('urn:oid:'.length);
    universalType = 'ISO';
  } else if (system) {
    universal = system;
    universalType = 'URI';
  }
  return { hd: w.sub(w.esc(namespace), w.esc(universal), universalType), type: known?.type };
}

/** CX: id^^^authority^type (PID-3, PV1-19). */
export function cx(ctx: BuildContext, identifier: Identifier, defaultType: string): string {
  const { w } = ctx;
  const { hd, type } = authority(ctx, identifier);
  const idType = identifier.type?.coding?.find((c) => c.code)?.code ?? type ?? defaultType;
  return w.comp(w.esc(identifier.value), '', '', hd, w.esc(idType));
}

const NAME_TYPE: Record<string, string> = { official: 'L', usual: 'D', maiden: 'M', nickname: 'N', anonymous: 'S' };

function xpn(ctx: BuildContext, name: HumanName): string {
  const { w } = ctx;
  const [first, ...others] = name.given ?? [];
  return w.comp(
    w.esc(name.family),
    w.esc(first),
    w.esc(others.join(' ')),
    w.esc(name.suffix?.join(' ')),
    w.esc(name.prefix?.join(' ')),
    '',
    name.use ? NAME_TYPE[name.use] : undefined,
  );
}

const SEX: Record<string, string> = { male: 'M', female: 'F', other: 'O', unknown: 'U' };

export function pidSegment(ctx: BuildContext, patient: Patient): string {
  const { w } = ctx;
  const ids = (patient.identifier ?? []).filter((i) => i.value).map((i) => cx(ctx, i, 'PI'));
  // Official (birth) name first: receivers that read only the first repetition get it.
  const names = [...(patient.name ?? [])].sort((a, b) => Number(b.use === 'official') - Number(a.use === 'official'));
  return w.segment('PID', [
    '1', // PID-1
    '', // PID-2
    w.rep(ids), // PID-3
    '', // PID-4
    w.rep(names.map((n) => xpn(ctx, n))), // PID-5
    '', // PID-6
    fhirDateToHl7(patient.birthDate), // PID-7
    SEX[patient.gender ?? 'unknown'] ?? 'U', // PID-8
  ]);
}

/** FHIR v3 ActCode encounter class to HL7 table 0004 patient class. */
const PATIENT_CLASS: Record<string, string> = {
  IMP: 'I', ACUTE: 'I', NONAC: 'I', EMER: 'E', AMB: 'O', VR: 'O', HH: 'O', FLD: 'O', SS: 'O', PRENC: 'P', OBSENC: 'O',
};

export function pv1Segment(ctx: BuildContext, encounter: Encounter | undefined): string {
  const { w } = ctx;
  if (!encounter) return w.segment('PV1', ['1', 'N']); // N: not applicable
  const visit = encounter.identifier?.find((i) => i.value);
  const fields: string[] = [];
  fields[0] = '1'; // PV1-1
  fields[1] = PATIENT_CLASS[encounter.class?.code ?? ''] ?? 'U'; // PV1-2
  fields[18] = visit ? cx(ctx, visit, 'VN') : ''; // PV1-19 visit number
  fields[43] = fhirDateTimeToHl7(encounter.period?.start, ctx.timeZone); // PV1-44 admit
  fields[44] = fhirDateTimeToHl7(encounter.period?.end, ctx.timeZone); // PV1-45 discharge
  return w.segment('PV1', Array.from(fields, (f) => f ?? ''));
}

/** XCN for the author: `8<RPPS>^family^given^^^^^^ASIP-SANTE-PS&oid&ISO^D^^^RPPS` (ANS practice). */
export function authorXcn(ctx: BuildContext, author: DocumentMessageInput['author']): string {
  if (!author) return '';
  const { w } = ctx;
  const hd = w.sub(RPPS_AUTHORITY.namespace, RPPS_AUTHORITY.oid, 'ISO');
  return w.comp(w.esc(`8${author.rpps}`), w.esc(author.family), w.esc(author.given), '', '', '', '', '', hd, 'D', '', '', 'RPPS');
}

/** NDL for OBR-32: its first component is a CNN, written with subcomponents. */
export function authorNdl(ctx: BuildContext, author: DocumentMessageInput['author']): string {
  if (!author) return '';
  const { w } = ctx;
  return w.sub(
    w.esc(`8${author.rpps}`), w.esc(author.family), w.esc(author.given), '', '', '', '', '',
    RPPS_AUTHORITY.namespace, RPPS_AUTHORITY.oid, 'ISO',
  );
}

/** OBX-3 / OBR-4: `code^display^LN`. */
export function loincCe(ctx: BuildContext, input: DocumentMessageInput): string {
  const { w } = ctx;
  return w.comp(w.esc(input.document.loinc), w.esc(input.document.loincDisplay), 'LN');
}

/**
 * ED type and subtype for OBX-5. v2.5 tables 0191 (type) / 0291 (subtype): PDF is `AP^PDF`,
 * JPEG `IM^JPEG`; PNG is not in the v2.5 list of 0291 and is written `IM^PNG` (an extension
 * receivers commonly accept); plain text is `TX` with no subtype. `mime` writes v2.6+ values.
 */
export function edTypeFor(contentType: DocumentContentType, style: 'v2.5' | 'mime' = 'v2.5'): [string, string] {
  if (style === 'mime') {
    const mime = contentType === 'application/txt' ? 'text/plain' : contentType;
    const [type = '', subtype = ''] = mime.split('/');
    return [type, subtype];
  }
  switch (contentType) {
    case 'application/pdf':
      return ['AP', 'PDF'];
    case 'image/jpeg':
      return ['IM', 'JPEG'];
    case 'image/png':
      return ['IM', 'PNG'];
    case 'application/txt':
      return ['TX', ''];
  }
}

/**
 * OBX-5 of type ED: `^type^subtype^Base64^<data>`. Base64 has no line breaks (a CR would end
 * the segment) and its alphabet needs no HL7 escaping.
 */
export function edValue(ctx: BuildContext, input: DocumentMessageInput): string {
  const { w } = ctx;
  const [type, subtype] = edTypeFor(input.document.contentType, ctx.opts.edStyle);
  const d = w.d.component;
  return `${d}${type}${d}${subtype}${d}Base64${d}${input.document.data.toString('base64')}`;
}

/** The document's own id, as an EI: `id^namespace` (OBR-3, ORC-3, TXA-12). */
export function documentEi(ctx: BuildContext, input: DocumentMessageInput): string {
  const { w } = ctx;
  return w.comp(w.esc(input.document.id ?? input.controlId), w.esc(input.sender.application));
}

export function joinSegments(segments: string[]): string {
  return segments.join('\r') + '\r';
}

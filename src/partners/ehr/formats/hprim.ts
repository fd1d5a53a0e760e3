import type { Identifier, Patient } from '@medplum/fhirtypes';
import { encodeText, toLatin1, type Hl7Charset, type UnmappablePolicy } from '../../../hl7/charset.js';
import { fhirDateTimeToHl7, fhirDateToHl7, formatHl7DateTime } from '../../../hl7/datetime.js';
import type { DocumentContentType, DocumentMessageInput } from '../../../hl7/document-input.js';
import { delimitersFromHeader, encodingCharacters, escapeHl7, unescapeHl7, type Hl7Delimiters } from '../../../hl7/escape.js';

/**
 * HPRIM Santé (2.2-2.5) `.HPR` file carrying a document by reference (digest: standards.md,
 * "HPRIM Santé"). Partly implementation knowledge; the assumptions are constants here:
 * - the document travels next to the `.HPR` as `<base>.<EXT>` and is referenced by
 *   `OBX|1|FIC|<code~label~LN>||<base>.<EXT>~<EXT>||||||F` (observed practice);
 * - the visit number (NDA) goes in P field 8.4 and the admission date in 8.24 (ASTM layout);
 * - the L record is `L|1||<P records>|<physical lines>`;
 * - values are escaped like HL7 (`\F\ \S\ \R\ \T\ \E\`) with HPRIM's own delimiters, and line
 *   breaks inside values become spaces (old HPRIM readers know no `\X0D\`).
 *
 * Delimiters are `|~^\&`: field, sub-field (`~`, HL7's component), repetition (`^`), escape,
 * sub-sub-field. `~` and `^` are swapped compared with HL7.
 */
export const HPRIM_DELIMITERS = {
  field: '|',
  component: '~',
  repetition: '^',
  escape: '\\',
  subcomponent: '&',
} as const satisfies Hl7Delimiters;

/** Longer logical lines continue on `A|` records. */
export const HPRIM_MAX_LINE = 220;
export const HPRIM_VISIT_FIELD = 4;
export const HPRIM_ADMISSION_DATE_FIELD = 24;

export interface HprimBuildOptions {
  now?: Date;
  timeZone?: string;
  /** H field 7.12: P production (default) or T test. */
  processingId?: 'P' | 'T';
  /** H field 7.13, version~type (default `H2.4~C`). */
  version?: string;
  /** Default ISO-8859-1, the HPRIM norm. */
  charset?: Hl7Charset;
  /** For ISO-8859-1 (default `substitute`: œ -> oe beats an undeliverable document). */
  onUnmappable?: UnmappablePolicy;
  lineEnding?: '\r' | '\r\n';
  /** Which patient identifier is the P 8.3 id; default the first `PI`/`MR` typed, else the first. */
  patientIdSystem?: string;
  /** Add `OBX|2|TX|TITLE~Document title~L||<title>` (default true). */
  titleObx?: boolean;
}

export interface HprimFiles {
  hprFileName: string;
  documentFileName: string;
  hprText: string;
  hpr: Buffer;
  document: Buffer;
}

const EXTENSIONS: Record<DocumentContentType, string> = {
  'application/pdf': 'PDF',
  'image/jpeg': 'JPG',
  'image/png': 'PNG',
  'application/txt': 'TXT',
};

/**
 * File names derived from the transaction id only, so a redelivery writes the same names
 * (idempotent file drop). Characters outside `[A-Za-z0-9_-]` become `_`.
 */
export function hprimFileNames(transactionId: string, contentType: DocumentContentType): { base: string; hpr: string; document: string } {
  const base = safeBaseName(transactionId);
  return { base, hpr: `${base}.HPR`, document: `${base}.${EXTENSIONS[contentType]}` };
}

export function safeBaseName(id: string): string {
  const base = id.replace(/[^A-Za-z0-9_-]/g, '_');
  if (!base) throw new Error('empty transaction id');
  return base;
}

function pickPatientId(patient: Patient, system: string | undefined): Identifier | undefined {
  const ids = (patient.identifier ?? []).filter((i) => i.value);
  if (system) return ids.find((i) => i.system === system);
  return ids.find((i) => i.type?.coding?.some((c) => c.code === 'PI' || c.code === 'MR')) ?? ids[0];
}

const SEX: Record<string, string> = { male: 'M', female: 'F', other: 'U', unknown: 'U' };

export function buildHprim(input: DocumentMessageInput, opts: HprimBuildOptions = {}): HprimFiles {
  const d = HPRIM_DELIMITERS;
  const esc = (v: string | undefined): string => (v ? escapeHl7(v, d, { newline: 'space' }) : '');
  const comp = (...parts: (string | undefined)[]): string => trimJoin(parts.map((p) => p ?? ''), d.component);
  const rec = (...fields: (string | undefined)[]): string => trimJoin(fields.map((f) => f ?? ''), d.field);
  const when = (date: Date): string => formatHl7DateTime(date, { timeZone: opts.timeZone, precision: 'minute', withOffset: false });

  const names = hprimFileNames(input.controlId, input.document.contentType);
  const ext = EXTENSIONS[input.document.contentType];
  const now = opts.now ?? new Date();
  const patient = input.patient;
  const name = patient.name?.find((n) => n.use === 'official') ?? patient.name?.[0];
  const visit = input.encounter?.identifier?.find((i) => i.value);
  const type = comp(esc(input.document.loinc), esc(input.document.loincDisplay), 'LN');
  const docDate = when(input.document.date);

  const p: string[] = ['P', '1'];
  p[2] = esc(pickPatientId(patient, opts.patientIdSystem)?.value); // 8.3
  p[HPRIM_VISIT_FIELD - 1] = esc(visit?.value); // 8.4
  p[5] = comp(esc(name?.family), esc(name?.given?.join(' '))); // 8.6 surname~first name
  p[7] = fhirDateToHl7(patient.birthDate); // 8.8
  p[8] = SEX[patient.gender ?? 'unknown'] ?? 'U'; // 8.9
  const admission = fhirDateTimeToHl7(input.encounter?.period?.start, opts.timeZone);
  p[HPRIM_ADMISSION_DATE_FIELD - 1] = admission.slice(0, 12); // 8.24, YYYYMMDDHHMM

  const author = input.author ? comp(esc(`8${input.author.rpps}`), esc(input.author.family), esc(input.author.given)) : '';
  const obr: string[] = ['OBR', '1'];
  obr[3] = esc(input.document.id ?? input.controlId); // OBR-3 filler id
  obr[4] = type; // OBR-4
  obr[7] = docDate; // OBR-7
  obr[16] = author; // OBR-16
  obr[25] = 'F'; // OBR-25

  const lines = [
    rec('H', encodingCharacters(d), esc(names.hpr), '', comp(esc(input.sender.application), esc(input.sender.facility)), '', 'ORU', '', '',
      comp(esc(input.receiver.application), esc(input.receiver.facility)), '', opts.processingId ?? 'P', opts.version ?? 'H2.4~C', when(now)),
    rec(...Array.from(p, (f) => f ?? '')),
    rec(...Array.from(obr, (f) => f ?? '')),
    rec('OBX', '1', 'FIC', type, '', comp(esc(names.document), ext), '', '', '', '', '', 'F', '', '', docDate),
  ];
  if (opts.titleObx ?? true) {
    lines.push(rec('OBX', '2', 'TX', comp('TITLE', 'Document title', 'L'), '', esc(input.document.title), '', '', '', '', '', 'F'));
  }
  const charset = opts.charset ?? 'ISO-8859-1';
  const policy = opts.onUnmappable ?? 'substitute';
  // Substitute before cutting lines: "œ" -> "oe" changes the length the 220 limit counts.
  const prepared = charset === 'ISO-8859-1' ? lines.map((l) => toLatin1(l, policy)) : lines;
  const physical = prepared.flatMap(splitLongLine);
  physical.push(rec('L', '1', '', '1', String(physical.length + 1)));
  const eol = opts.lineEnding ?? '\r';
  const hprText = physical.join(eol) + eol;
  return {
    hprFileName: names.hpr,
    documentFileName: names.document,
    hprText,
    hpr: encodeText(hprText, charset, { onUnmappable: policy }),
    document: input.document.data,
  };
}

/** Cut a logical line into <= 220-character physical lines, the rest on `A|` records. */
function splitLongLine(line: string): string[] {
  if (line.length <= HPRIM_MAX_LINE) return [line];
  const out = [line.slice(0, HPRIM_MAX_LINE)];
  const room = HPRIM_MAX_LINE - 2;
  for (let i = HPRIM_MAX_LINE; i < line.length; i += room) out.push(`A|${line.slice(i, i + room)}`);
  return out;
}

function trimJoin(parts: string[], sep: string): string {
  let end = parts.length;
  while (end > 0 && parts[end - 1] === '') end--;
  return parts.slice(0, end).join(sep);
}

export interface HprimRecord {
  type: string;
  /** Raw (escaped) fields; `fields[0]` is the record type. */
  fields: string[];
}

export interface ParsedHprim {
  delimiters: Hl7Delimiters;
  records: HprimRecord[];
}

/** Parse `.HPR` text: CR, LF or CRLF line ends; `A` records joined to the line they continue. */
export function parseHprim(text: string): ParsedHprim {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).filter((l) => l !== '');
  const header = lines[0];
  if (!header?.startsWith('H')) throw new Error('HPRIM file does not start with an H record');
  const d = delimitersFromHeader(header, 1);
  const logical: string[] = [];
  for (const line of lines) {
    if (line.startsWith(`A${d.field}`) && logical.length > 0) logical[logical.length - 1] += line.slice(2);
    else logical.push(line);
  }
  return { delimiters: d, records: logical.map((l) => ({ type: l.split(d.field)[0] ?? '', fields: l.split(d.field) })) };
}

export interface HprimDocumentSummary {
  fileName: string;
  patient: { id: string; visit: string; family: string; given: string; birthDate: string; sex: string };
  documentType: { code: string; label: string; system: string };
  /** File referenced by the FIC OBX. */
  documentFile: string | undefined;
  title: string | undefined;
}

/** What a receiver needs from a parsed `.HPR` (used by the sandbox and tests). */
export function readHprimDocument(parsed: ParsedHprim): HprimDocumentSummary {
  const d = parsed.delimiters;
  const u = (v: string | undefined): string => unescapeHl7(v ?? '', d);
  const sub = (v: string | undefined, i: number): string => u((v ?? '').split(d.component)[i]);
  const find = (type: string): HprimRecord | undefined => parsed.records.find((r) => r.type === type);
  const h = find('H');
  const p = find('P');
  const obx = parsed.records.filter((r) => r.type === 'OBX');
  const fic = obx.find((r) => r.fields[2] === 'FIC');
  const title = obx.find((r) => r.fields[2] === 'TX' && sub(r.fields[3], 0) === 'TITLE');
  return {
    fileName: u(h?.fields[2]),
    patient: {
      id: u(p?.fields[2]),
      visit: u(p?.fields[HPRIM_VISIT_FIELD - 1]),
      family: sub(p?.fields[5], 0),
      given: sub(p?.fields[5], 1),
      birthDate: u(p?.fields[7]),
      sex: u(p?.fields[8]),
    },
    documentType: { code: sub(fic?.fields[3], 0), label: sub(fic?.fields[3], 1), system: sub(fic?.fields[3], 2) },
    documentFile: fic ? sub(fic.fields[5], 0) || undefined : undefined,
    title: title ? u(title.fields[5]) : undefined,
  };
}

/**
 * First guess of a mapping from a header (and a few sample rows), so staff only correct it.
 * Matching ignores case, spaces, underscores and accents; names in English, French and German.
 * Samples pick transforms: date format, digits in names (Synthea's "Marcell728"), sex codes.
 */
import type { RecordType } from '../../../domain/identifiers.js';
import { parseDate, type DateFormat } from './dates.js';
import { normaliseHeader } from './normalise-header.js';
import type { FieldMapping, MappingTemplate, Transform } from './template.js';

/** Normalised header spellings per field (see normaliseHeader). Exact matches score highest. */
const CONTACT_SYNONYMS: Record<string, readonly string[]> = {
  emrId: ['id', 'patientid', 'mrn', 'emrid', 'ehrid', 'medicalrecordnumber', 'recordnumber', 'chartnumber',
    'chartno', 'patientnumber', 'patientno', 'pid', 'mrnumber', 'idpatient', 'identifiant', 'numerodossier', 'dossier'],
  firstName: ['first', 'firstname', 'given', 'givenname', 'givennames', 'forename', 'prenom', 'vorname', 'fname'],
  lastName: ['last', 'lastname', 'surname', 'family', 'familyname', 'nom', 'nomdefamille', 'nachname', 'lname'],
  fullName: ['name', 'fullname', 'patientname', 'nomcomplet', 'displayname', 'patient'],
  email: ['email', 'emailaddress', 'mail', 'courriel', 'adressemail', 'adresseemail'],
  phone: ['phone', 'telephone', 'tel', 'mobile', 'cell', 'cellphone', 'mobilephone', 'phonenumber', 'portable',
    'homephone', 'telephonenumber', 'telefon', 'handy'],
  birthDate: ['birthdate', 'dob', 'dateofbirth', 'birthday', 'datedenaissance', 'naissance', 'geburtsdatum', 'bday'],
  sex: ['sex', 'gender', 'sexe', 'genre', 'geschlecht', 'administrativesex'],
  notes: ['notes', 'note', 'comments', 'comment', 'remarks', 'remarques'],
  division: ['division', 'clinic', 'site'],
  provider: ['provider', 'practitioner', 'doctor', 'physician', 'clinician', 'medecin', 'arzt'],
};

const APPOINTMENT_SYNONYMS: Record<string, readonly string[]> = {
  emrId: ['id', 'appointmentid', 'apptid', 'emrid', 'encounterid', 'visitid', 'bookingid', 'rdvid'],
  title: ['title', 'subject', 'reason', 'appointmenttitle', 'visitreason', 'motif', 'description'],
  start: ['start', 'datetime', 'startdatetime', 'appointmentdatetime', 'startat', 'scheduledat', 'starttimestamp', 'debut'],
  duration: ['duration', 'length', 'minutes', 'durationmin', 'durationminutes', 'mins', 'duree', 'dauer'],
  type: ['type', 'appointmenttype', 'modality', 'visittype', 'mode', 'consultationtype'],
  division: ['division', 'clinic', 'site'],
  provider: ['provider', 'practitioner', 'doctor', 'physician', 'clinician', 'medecin', 'arzt'],
  patientEmrId: ['patientid', 'mrn', 'patientmrn', 'patientemrid', 'patientnumber', 'chartnumber', 'idpatient'],
  'participants.name': ['participant', 'participants', 'participantname', 'participantnames', 'patientname', 'name', 'attendee', 'attendees'],
  'participants.firstName': ['firstname', 'participantfirstname', 'patientfirstname', 'given', 'givenname', 'prenom'],
  'participants.lastName': ['lastname', 'participantlastname', 'patientlastname', 'surname', 'family', 'familyname', 'nom'],
  'participants.email': ['email', 'participantemail', 'participantemails', 'patientemail', 'attendeeemail', 'emails', 'courriel'],
  'participants.fee': ['fee', 'fees', 'price', 'amount', 'cost', 'charge', 'tarif', 'prix'],
};

const DATE_SYNONYMS = ['date', 'appointmentdate', 'startdate', 'visitdate', 'daterdv'];
const TIME_SYNONYMS = ['time', 'starttime', 'appointmenttime', 'heure', 'uhrzeit'];

export interface SuggestedMatch {
  readonly field: string;
  readonly column: string;
  /** `high`: the header is a known spelling; `medium`: it contains one. */
  readonly confidence: 'high' | 'medium';
}

export interface MappingSuggestion {
  readonly template: MappingTemplate;
  readonly matches: readonly SuggestedMatch[];
  readonly unmappedColumns: readonly string[];
  /** Things staff should check (ambiguous date formats, phone country...). No cell values. */
  readonly notes: readonly string[];
}

interface Candidate { field: string; index: number; score: number; order: number }

const SLASH_FORMATS: readonly DateFormat[] = ['DD/MM/YYYY', 'MM/DD/YYYY'];
const OTHER_FORMATS: readonly DateFormat[] = ['YYYY-MM-DD', 'YYYYMMDD', 'DD.MM.YYYY', 'DD-MM-YYYY', 'ISO'];

/** The declared format that reads every sample, or undefined; `ambiguous` for 01/02/2000-style sets. */
export function detectDateFormat(samples: readonly string[]): { format: DateFormat; ambiguous: boolean } | undefined {
  const values = samples.map((s) => s.trim()).filter((s) => s !== '');
  if (values.length === 0) return undefined;
  for (const f of OTHER_FORMATS) {
    // Shape decides here: one impossible sample (2021-02-30) must not hide the format.
    if (values.every((v) => parseDate(v, f) !== 'invalid-date')) return { format: f, ambiguous: false };
  }
  if (!values.every((v) => parseDate(v, 'DD/MM/YYYY') !== 'invalid-date')) return undefined;
  const real = SLASH_FORMATS.map((f) => values.filter((v) => parseDate(v, f).length === 10).length);
  const [dmy, mdy] = [real[0]!, real[1]!];
  if (dmy === mdy) return { format: 'DD/MM/YYYY', ambiguous: true };
  return { format: dmy > mdy ? 'DD/MM/YYYY' : 'MM/DD/YYYY', ambiguous: false };
}

function columnSamples(samples: readonly (readonly string[])[] | undefined, index: number): string[] {
  if (!samples) return [];
  const out: string[] = [];
  for (const row of samples) {
    const v = row[index];
    if (v !== undefined && v.trim() !== '') out.push(v.trim());
  }
  return out;
}

/**
 * Suggests a template for `headers`. `sampleRows` (cells aligned with headers, a few dozen is
 * plenty) refine the transforms; without them the defaults assume ISO dates and clean names.
 */
export function suggestMapping(
  headers: readonly string[], recordType: RecordType, sampleRows?: readonly (readonly string[])[],
): MappingSuggestion {
  const synonyms = recordType === 'contacts' ? CONTACT_SYNONYMS : APPOINTMENT_SYNONYMS;
  const fieldOrder = Object.keys(synonyms);
  const normalised = headers.map((h) => normaliseHeader(h));
  const candidates: Candidate[] = [];
  fieldOrder.forEach((field, order) => {
    const list = synonyms[field]!;
    normalised.forEach((h, index) => {
      if (h === '') return;
      const exact = list.indexOf(h);
      if (exact !== -1) {
        // Earlier synonyms are the canonical spellings: prefer them on ties.
        candidates.push({ field, index, score: 100 + (list.length - exact) * 0.01, order });
        return;
      }
      let best = 0;
      for (const s of list) {
        if (s.length >= 4 && h.includes(s)) best = Math.max(best, 50 + s.length / 100);
      }
      if (best > 0) candidates.push({ field, index, score: best, order });
    });
  });
  candidates.sort((a, b) => b.score - a.score || a.order - b.order || a.index - b.index);

  const fieldToIndex = new Map<string, number>();
  const usedColumns = new Set<number>();
  const matches: SuggestedMatch[] = [];
  for (const c of candidates) {
    if (fieldToIndex.has(c.field) || usedColumns.has(c.index)) continue;
    fieldToIndex.set(c.field, c.index);
    usedColumns.add(c.index);
    matches.push({ field: c.field, column: headers[c.index]!, confidence: c.score >= 100 ? 'high' : 'medium' });
  }

  const notes: string[] = [];
  const fields: Record<string, FieldMapping> = {};
  const col = (field: string): number | undefined => fieldToIndex.get(field);

  // Appointment start from separate date and time columns.
  let dateTimeColumns: [number, number] | undefined;
  if (recordType === 'appointments' && col('start') === undefined) {
    const d = normalised.findIndex((h, i) => !usedColumns.has(i) && DATE_SYNONYMS.includes(h));
    const t = normalised.findIndex((h, i) => !usedColumns.has(i) && TIME_SYNONYMS.includes(h));
    if (d !== -1 && t !== -1) {
      dateTimeColumns = [d, t];
      usedColumns.add(d);
      usedColumns.add(t);
      matches.push({ field: 'start', column: headers[d]!, confidence: 'medium' });
      matches.push({ field: 'start', column: headers[t]!, confidence: 'medium' });
    }
  }

  const nameHasDigits = (index: number): boolean => columnSamples(sampleRows, index).some((v) => /\d/.test(v));

  for (const field of fieldOrder) {
    const index = col(field);
    if (index === undefined) {
      if (field === 'start' && dateTimeColumns) {
        const dates = columnSamples(sampleRows, dateTimeColumns[0]);
        const detected = detectDateFormat(dates);
        fields.start = {
          columns: [headers[dateTimeColumns[0]]!, headers[dateTimeColumns[1]]!],
          transforms: [{ type: 'datetime', ...(detected ? { dateFormat: detected.format } : {}) }],
        };
      }
      continue;
    }
    const column = headers[index]!;
    const transforms: Transform[] = [];
    const samples = columnSamples(sampleRows, index);
    switch (field) {
      case 'firstName':
      case 'lastName':
      case 'fullName':
      case 'participants.name':
      case 'participants.firstName':
      case 'participants.lastName':
        if (nameHasDigits(index)) {
          transforms.push({ type: 'strip-digits' });
          notes.push(`${column}: sample names contain digits; strip-digits removes them.`);
        }
        break;
      case 'email':
      case 'participants.email':
        transforms.push({ type: 'lower' });
        break;
      case 'phone':
        transforms.push({ type: 'phone' });
        notes.push(`${column}: set defaultCountry on the phone transform to get E.164 numbers.`);
        break;
      case 'birthDate': {
        const detected = detectDateFormat(samples);
        transforms.push({ type: 'date', format: detected?.format ?? 'YYYY-MM-DD' });
        if (detected?.ambiguous) notes.push(`${column}: dates fit both DD/MM/YYYY and MM/DD/YYYY; DD/MM/YYYY assumed, check it.`);
        if (samples.length > 0 && !detected) notes.push(`${column}: the date format could not be recognised; YYYY-MM-DD assumed.`);
        break;
      }
      case 'sex':
        transforms.push({ type: 'value-map', preset: 'sex' });
        break;
      case 'type':
        transforms.push({ type: 'value-map', preset: 'appointment-type' });
        break;
      case 'start': {
        const datePart = samples.map((s) => s.split(/[T\s]/)[0] ?? '');
        const detected = detectDateFormat(datePart);
        transforms.push({ type: 'datetime', ...(detected && detected.format !== 'YYYY-MM-DD' && detected.format !== 'ISO' ? { dateFormat: detected.format } : {}) });
        notes.push(`${column}: date-times without an offset need options.timeZone.`);
        break;
      }
      default:
        break;
    }
    fields[field] = transforms.length > 0 ? { column, transforms } : { column };
  }

  // Contacts with only a full-name column: derive first/last from it too.
  if (recordType === 'contacts' && fields.fullName?.column && !fields.firstName && !fields.lastName) {
    const source = fields.fullName.column;
    const pre = fields.fullName.transforms ?? [];
    fields.firstName = { column: source, transforms: [...pre, { type: 'split', part: 'first' }] };
    fields.lastName = { column: source, transforms: [...pre, { type: 'split', part: 'last' }] };
  }
  if (recordType === 'contacts' && !fields.emrId) {
    notes.push('No EMR id column found: rows will be keyed by a hash of their content and re-imports cannot be matched.');
  }

  const template: MappingTemplate = { version: 1, recordType, fields };
  const unmappedColumns = headers.filter((_h, i) => !usedColumns.has(i));
  return { template, matches, unmappedColumns, notes };
}

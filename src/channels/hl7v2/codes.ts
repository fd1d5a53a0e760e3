import type { CodeableConcept, Coding } from '@medplum/fhirtypes';
import type { Repetition } from './reader.js';

/**
 * HL7 v2 tables used by the inbound mapping, mapped to FHIR R4 value sets. Sources: the HL7
 * v2-to-FHIR ConceptMaps (build.fhir.org/ig/HL7/v2-to-fhir, "Table 0001 to Administrative
 * Gender" and friends); where a code has no FHIR counterpart the mapping leaves the element out.
 */

/** Table 0001 (Administrative sex) -> FHIR administrative-gender. */
export const SEX_TO_GENDER = {
  F: 'female',
  M: 'male',
  O: 'other',
  U: 'unknown',
  A: 'other',
  N: 'other',
} as const satisfies Record<string, 'male' | 'female' | 'other' | 'unknown'>;

/** Table 0200 (Name type) -> FHIR name-use. Codes not listed get no `use`. */
export const NAME_TYPE_TO_USE = {
  L: 'official',
  D: 'usual',
  M: 'maiden',
  N: 'nickname',
  A: 'usual',
  S: 'anonymous',
  TEMP: 'temp',
  BAD: 'old',
} as const satisfies Record<string, 'usual' | 'official' | 'temp' | 'nickname' | 'anonymous' | 'old' | 'maiden'>;

/** Table 0190 (Address type) -> FHIR address-use; `M` (mailing) is a type, not a use. */
export const ADDRESS_TYPE_TO_USE = {
  H: 'home',
  B: 'work',
  O: 'work',
  C: 'temp',
  BA: 'old',
} as const satisfies Record<string, 'home' | 'work' | 'temp' | 'old' | 'billing'>;

/** Table 0201 (Telecommunication use code) -> FHIR contact-point-use. */
export const TELECOM_USE_TO_USE = {
  PRN: 'home',
  ORN: 'home',
  VHN: 'home',
  WPN: 'work',
} as const satisfies Record<string, 'home' | 'work' | 'temp' | 'old' | 'mobile'>;

/** Table 0202 (Telecommunication equipment type) -> FHIR contact-point-system. */
export const EQUIPMENT_TO_SYSTEM = {
  PH: 'phone',
  CP: 'phone',
  FX: 'fax',
  BP: 'pager',
  Internet: 'email',
  'X.400': 'email',
  MD: 'other',
  TDD: 'other',
  TTY: 'other',
  SAT: 'phone',
} as const satisfies Record<string, 'phone' | 'fax' | 'email' | 'pager' | 'url' | 'sms' | 'other'>;

/** Table 0278 (Filler status codes) -> FHIR appointmentstatus. */
export const FILLER_STATUS_TO_APPOINTMENT = {
  PENDING: 'pending',
  WAITLIST: 'waitlist',
  BOOKED: 'booked',
  OVERBOOK: 'booked',
  STARTED: 'arrived',
  COMPLETE: 'fulfilled',
  CANCELLED: 'cancelled',
  DC: 'cancelled',
  DELETED: 'cancelled',
  NOSHOW: 'noshow',
} as const satisfies Record<string, 'proposed' | 'pending' | 'booked' | 'arrived' | 'fulfilled' | 'cancelled' | 'noshow' | 'waitlist'>;

/** Table 0278 for one resource (AIS/AIG/AIL/AIP-filler status) -> FHIR participationstatus. */
export function participantStatus(fillerStatus: string): 'accepted' | 'declined' | 'tentative' | 'needs-action' {
  const s = fillerStatus.toUpperCase();
  if (s === 'CANCELLED' || s === 'DC' || s === 'DELETED' || s === 'NOSHOW') return 'declined';
  if (s === 'PENDING' || s === 'WAITLIST') return 'tentative';
  return 'accepted';
}

/** Table 0276 (Appointment reason codes) = FHIR R4 v2-0276, the binding of Appointment.appointmentType. */
export const APPOINTMENT_REASON_CODES = ['CHECKUP', 'EMERGENCY', 'FOLLOWUP', 'ROUTINE', 'WALKIN'] as const;

/** Table 0396 coding-system names -> FHIR code system URIs (the common ones). */
const CODING_SYSTEMS: Record<string, string> = {
  SCT: 'http://snomed.info/sct',
  SNM: 'http://snomed.info/sct',
  LN: 'http://loinc.org',
  I10: 'http://hl7.org/fhir/sid/icd-10',
  'I10C': 'http://hl7.org/fhir/sid/icd-10-cm',
  I9C: 'http://hl7.org/fhir/sid/icd-9-cm',
  C4: 'http://www.ama-assn.org/go/cpt',
  CPT: 'http://www.ama-assn.org/go/cpt',
  UCUM: 'http://unitsofmeasure.org',
  ISO3166_1: 'urn:iso:std:iso:3166',
};

export const V2_TABLE_SYSTEM = (table: string): string => `http://terminology.hl7.org/CodeSystem/v2-${table}`;

/** The FHIR system for a v2 coding system name (CWE.3); undefined for local codes ('L', '99zzz'). */
export function codingSystemUri(name: string): string | undefined {
  if (!name) return undefined;
  const hl7 = /^HL7(\d{4})$/i.exec(name);
  if (hl7?.[1]) return V2_TABLE_SYSTEM(hl7[1]);
  return CODING_SYSTEMS[name];
}

/**
 * CE / CWE (identifier ^ text ^ system ^ alt identifier ^ alt text ^ alt system ^ ... ^ original
 * text (CWE.9)) -> CodeableConcept. `defaultSystem` applies to the primary coding when CWE.3 is
 * empty and the code belongs to the field's HL7 table.
 */
export function codeableConcept(rep: Repetition | undefined, defaultSystem?: (code: string) => string | undefined): CodeableConcept | undefined {
  if (!rep || rep.isEmpty()) return undefined;
  const codings: Coding[] = [];
  const primary = coding(rep.value(1), rep.value(2), rep.value(3), defaultSystem);
  if (primary) codings.push(primary);
  const alternate = coding(rep.value(4), rep.value(5), rep.value(6));
  if (alternate) codings.push(alternate);
  const originalText = rep.value(9);
  const concept: CodeableConcept = {};
  if (codings.length > 0) concept.coding = codings;
  if (originalText) concept.text = originalText;
  else if (codings.length === 0 && rep.value(2)) concept.text = rep.value(2);
  return concept.coding || concept.text ? concept : undefined;
}

function coding(code: string, display: string, systemName: string, defaultSystem?: (code: string) => string | undefined): Coding | undefined {
  if (!code) return undefined;
  const c: Coding = {};
  const system = codingSystemUri(systemName) ?? (systemName ? undefined : defaultSystem?.(code));
  if (system) c.system = system;
  c.code = code;
  if (display) c.display = display;
  return c;
}

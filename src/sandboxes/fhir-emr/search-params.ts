import type { Appointment, Encounter, HumanName, Identifier, Patient, Practitioner, Resource } from '@medplum/fhirtypes';
import type { FhirEmrType } from './fhir-store.js';
import { dateRange, normalizeEmail, normalizePhone, type DateRange, type TokenValue } from './search-values.js';

/**
 * The search parameters this EMR implements, per type (names and paths from the R4 search
 * parameter registry, https://hl7.org/fhir/R4/searchparameter-registry.html). The
 * CapabilityStatement is generated from this table, so what is advertised is what works.
 */
interface ParamBase {
  name: string;
  documentation: string;
}
export interface StringParam<T> extends ParamBase {
  type: 'string';
  values(r: T): string[];
}
export interface TokenParam<T> extends ParamBase {
  type: 'token';
  values(r: T): TokenValue[];
  normalize?: (s: string) => string;
}
export interface DateParam<T> extends ParamBase {
  type: 'date';
  values(r: T): DateRange[];
}
export interface ReferenceParam<T> extends ParamBase {
  type: 'reference';
  values(r: T): string[];
  /** Resource types the reference may point to (a typed query value outside them never matches). */
  targets?: string[];
}
export type SearchParamDef<T = Resource> = StringParam<T> | TokenParam<T> | DateParam<T> | ReferenceParam<T>;

const present = <V>(v: V | undefined | null): v is V => v !== undefined && v !== null;

function ranges(...values: (string | undefined)[]): DateRange[] {
  return values.filter(present).map(dateRange).filter(present);
}

function identifiers(list: Identifier[] | undefined): TokenValue[] {
  return (list ?? []).filter((i) => i.value).map((i) => ({ system: i.system, code: i.value ?? '' }));
}

function nameParts(names: HumanName[] | undefined): string[] {
  return (names ?? []).flatMap((n) => [n.text, n.family, ...(n.given ?? []), ...(n.prefix ?? []), ...(n.suffix ?? [])]).filter(present);
}

/** Period search: a missing end means "ongoing" (https://hl7.org/fhir/R4/search.html#date). */
function periodRange(start: string | undefined, end: string | undefined): DateRange[] {
  const s = start ? dateRange(start) : undefined;
  if (!s) return [];
  const e = end ? dateRange(end) : undefined;
  return [{ start: s.start, end: e ? e.end : Number.POSITIVE_INFINITY }];
}

const commonParams = <T extends Resource>(): SearchParamDef<T>[] => [
  { name: '_id', type: 'token', documentation: 'Logical id', values: (r) => (r.id ? [{ code: r.id }] : []) },
  {
    name: '_lastUpdated',
    type: 'date',
    documentation: 'meta.lastUpdated, with prefixes eq ne gt ge lt le sa eb',
    values: (r) => ranges(r.meta?.lastUpdated),
  },
];

const patientParams: SearchParamDef<Patient>[] = [
  ...commonParams<Patient>(),
  {
    name: 'identifier',
    type: 'token',
    documentation: 'system|value or value (MRN, SSN)',
    values: (r) => identifiers(r.identifier),
  },
  {
    name: 'family',
    type: 'string',
    documentation: 'Family name: prefix match, case and accent insensitive; :exact, :contains',
    values: (r) => (r.name ?? []).map((n) => n.family).filter(present),
  },
  {
    name: 'given',
    type: 'string',
    documentation: 'Given name: prefix match, case and accent insensitive; :exact, :contains',
    values: (r) => (r.name ?? []).flatMap((n) => n.given ?? []),
  },
  {
    name: 'name',
    type: 'string',
    documentation: 'Any part of any name (family, given, prefix, suffix, text)',
    values: (r) => nameParts(r.name),
  },
  { name: 'birthdate', type: 'date', documentation: 'Birth date, with prefixes', values: (r) => ranges(r.birthDate) },
  { name: 'gender', type: 'token', documentation: 'male | female | other | unknown', values: (r) => (r.gender ? [{ code: r.gender }] : []) },
  {
    name: 'phone',
    type: 'token',
    documentation: 'Phone number; digits compared, UK trunk 0 and 00/+44 treated alike',
    normalize: normalizePhone,
    values: (r) => (r.telecom ?? []).filter((t) => t.system === 'phone' && t.value).map((t) => ({ code: t.value ?? '' })),
  },
  {
    name: 'email',
    type: 'token',
    documentation: 'E-mail address, case insensitive',
    normalize: normalizeEmail,
    values: (r) => (r.telecom ?? []).filter((t) => t.system === 'email' && t.value).map((t) => ({ code: t.value ?? '' })),
  },
  {
    name: 'telecom',
    type: 'token',
    documentation: 'Any contact point value, as system|value (system = phone, email...)',
    values: (r) => (r.telecom ?? []).filter((t) => t.value).map((t) => ({ system: t.system, code: t.value ?? '' })),
  },
];

const practitionerParams: SearchParamDef<Practitioner>[] = [
  ...commonParams<Practitioner>(),
  { name: 'identifier', type: 'token', documentation: 'system|value or value', values: (r) => identifiers(r.identifier) },
  { name: 'name', type: 'string', documentation: 'Any part of any name', values: (r) => nameParts(r.name) },
  {
    name: 'family',
    type: 'string',
    documentation: 'Family name',
    values: (r) => (r.name ?? []).map((n) => n.family).filter(present),
  },
  { name: 'given', type: 'string', documentation: 'Given name', values: (r) => (r.name ?? []).flatMap((n) => n.given ?? []) },
  { name: 'gender', type: 'token', documentation: 'male | female | other | unknown', values: (r) => (r.gender ? [{ code: r.gender }] : []) },
];

const encounterParams: SearchParamDef<Encounter>[] = [
  ...commonParams<Encounter>(),
  { name: 'identifier', type: 'token', documentation: 'Visit number, system|value or value', values: (r) => identifiers(r.identifier) },
  {
    name: 'patient',
    type: 'reference',
    documentation: 'The patient (subject of type Patient)',
    targets: ['Patient'],
    values: (r) => (r.subject?.reference ? [r.subject.reference] : []),
  },
  {
    name: 'subject',
    type: 'reference',
    documentation: 'The subject',
    values: (r) => (r.subject?.reference ? [r.subject.reference] : []),
  },
  {
    name: 'practitioner',
    type: 'reference',
    documentation: 'A participant practitioner',
    targets: ['Practitioner'],
    values: (r) => (r.participant ?? []).map((p) => p.individual?.reference).filter(present),
  },
  { name: 'status', type: 'token', documentation: 'Encounter status', values: (r) => [{ code: r.status }] },
  {
    name: 'class',
    type: 'token',
    documentation: 'Class (v3 ActCode: AMB, VR, EMER, IMP)',
    values: (r) => [{ system: r.class.system, code: r.class.code ?? '' }],
  },
  {
    name: 'date',
    type: 'date',
    documentation: 'Encounter period (missing end = ongoing), with prefixes',
    values: (r) => periodRange(r.period?.start, r.period?.end),
  },
];

const appointmentParams: SearchParamDef<Appointment>[] = [
  ...commonParams<Appointment>(),
  { name: 'identifier', type: 'token', documentation: 'system|value or value', values: (r) => identifiers(r.identifier) },
  {
    name: 'patient',
    type: 'reference',
    documentation: 'A participant patient',
    targets: ['Patient'],
    values: (r) => r.participant.map((p) => p.actor?.reference).filter(present),
  },
  {
    name: 'practitioner',
    type: 'reference',
    documentation: 'A participant practitioner',
    targets: ['Practitioner'],
    values: (r) => r.participant.map((p) => p.actor?.reference).filter(present),
  },
  {
    name: 'actor',
    type: 'reference',
    documentation: 'Any participant',
    values: (r) => r.participant.map((p) => p.actor?.reference).filter(present),
  },
  { name: 'status', type: 'token', documentation: 'Appointment status', values: (r) => [{ code: r.status }] },
  {
    name: 'date',
    type: 'date',
    documentation: 'Appointment start, with prefixes',
    values: (r) => ranges(r.start),
  },
];

const BY_TYPE: Record<FhirEmrType, readonly SearchParamDef[]> = {
  Patient: patientParams as SearchParamDef[],
  Practitioner: practitionerParams as SearchParamDef[],
  Encounter: encounterParams as SearchParamDef[],
  Appointment: appointmentParams as SearchParamDef[],
};

export function searchParamsFor(type: FhirEmrType): readonly SearchParamDef[] {
  return BY_TYPE[type];
}

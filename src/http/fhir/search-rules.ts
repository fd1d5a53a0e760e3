import { FhirError } from './fhir-error.js';

/**
 * Search parameters and rules of the FHIR API, as Lifen documents them (partner-apis.md, Lifen
 * "Searches"): Patient by name/family/given (at least 2 characters, prefix match), birthdate
 * (exact day), identifier, phone, _id; Encounter by patient, date (prefixes ge/gt/le/lt),
 * identifier (visit number), status, _id; `_count` at most 100; a search with no criterion is a
 * 422. The CapabilityStatement is generated from this table, so what it lists is what works.
 */
export type SearchType = 'Patient' | 'Encounter';

interface ParamRule {
  type: 'string' | 'token' | 'date' | 'reference';
  documentation: string;
  check(value: string): string | undefined;
}

const MIN_STRING = 2;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_RE = /^(ge|gt|le|lt|eq)?(\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?)$/;
/** A FHIR id (https://hl7.org/fhir/R4/datatypes.html#id). */
export const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;
const ENCOUNTER_STATUSES = ['planned', 'arrived', 'triaged', 'in-progress', 'onleave', 'finished', 'cancelled', 'entered-in-error', 'unknown'];

const stringRule = (documentation: string): ParamRule => ({
  type: 'string',
  documentation,
  check: (v) => (v.split(',').every((x) => x.trim().length >= MIN_STRING) ? undefined : `needs at least ${MIN_STRING} characters`),
});
const tokenRule = (documentation: string): ParamRule => ({ type: 'token', documentation, check: () => undefined });
const idRule: ParamRule = {
  type: 'token',
  documentation: 'Logical id',
  check: (v) => (v.split(',').every((x) => ID_RE.test(x)) ? undefined : 'is not a valid id'),
};

export const SEARCH_RULES: Record<SearchType, Record<string, ParamRule>> = {
  Patient: {
    _id: idRule,
    name: stringRule('Any part of the name; prefix match, at least 2 characters'),
    family: stringRule('Family name; prefix match, at least 2 characters'),
    given: stringRule('Given name; prefix match, at least 2 characters'),
    birthdate: {
      type: 'date',
      documentation: 'Birth date, exact day (YYYY-MM-DD)',
      check: (v) => (DAY_RE.test(v.replace(/^eq/, '')) ? undefined : 'must be an exact day YYYY-MM-DD'),
    },
    identifier: tokenRule('Identifier (IPP, INS...), system|value or value, exact'),
    phone: tokenRule('Phone number'),
  },
  Encounter: {
    _id: idRule,
    patient: {
      type: 'reference',
      documentation: 'The patient: Patient/{id} or {id}',
      check: (v) => (/^(Patient\/)?[A-Za-z0-9\-.]{1,64}$/.test(v) ? undefined : 'must be Patient/{id}'),
    },
    date: {
      type: 'date',
      documentation: 'Encounter period, with prefixes ge gt le lt',
      check: (v) => (DATE_RE.test(v) ? undefined : 'must be a FHIR date with an optional ge/gt/le/lt prefix'),
    },
    identifier: tokenRule('Visit number, system|value or value'),
    status: {
      type: 'token',
      documentation: 'Encounter status',
      check: (v) => (v.split(',').every((x) => ENCOUNTER_STATUSES.includes(x)) ? undefined : `must be one of ${ENCOUNTER_STATUSES.join(', ')}`),
    },
  },
};

export const MAX_COUNT = 100;
export const DEFAULT_COUNT = 20;
/** Result parameters that change nothing here and are accepted for client compatibility. */
const NOOP = new Set(['_format', '_pretty', '_total']);
/** Continuation of a paged search (an opaque token in our `next` links). */
export const PAGE_PARAM = '_page';

export type CheckedSearch = { kind: 'search'; params: [string, string][]; count: number } | { kind: 'page'; token: string };

export function checkSearch(type: SearchType, pairs: readonly [string, string][]): CheckedSearch {
  const page = pairs.find(([k]) => k === PAGE_PARAM);
  if (page) return { kind: 'page', token: page[1] };
  const rules = SEARCH_RULES[type];
  const params: [string, string][] = [];
  let count = DEFAULT_COUNT;
  for (const [key, value] of pairs) {
    if (NOOP.has(key)) continue;
    if (key === '_count') {
      if (!/^\d+$/.test(value)) throw new FhirError(400, 'value', '_count must be a non-negative integer', { expression: ['_count'] });
      // A server may return fewer than asked (https://hl7.org/fhir/R4/search.html#count).
      count = Math.min(Number(value), MAX_COUNT);
      continue;
    }
    const rule = rules[key];
    if (!rule) {
      throw new FhirError(400, 'not-supported', `Unsupported ${type} search parameter ${key.split(':')[0]}; supported: ${Object.keys(rules).join(', ')}, _count`, {
        expression: [key],
      });
    }
    if (value.trim() === '') continue;
    const why = rule.check(value);
    if (why) throw new FhirError(400, 'value', `${key} ${why}`, { expression: [key] });
    params.push([key, value]);
  }
  if (params.length === 0) {
    throw new FhirError(422, 'required', `A ${type} search needs at least one of: ${Object.keys(rules).join(', ')}`);
  }
  return { kind: 'search', params, count };
}

import type { Resource } from '@medplum/fhirtypes';
import type { FhirEmrType } from './fhir-store.js';
import { OperationOutcomeError } from './operation-outcome.js';
import { searchParamsFor, type SearchParamDef } from './search-params.js';
import { matchDate, matchReference, matchString, matchToken, parseDateQuery, splitOr, unescape } from './search-values.js';

/**
 * Rules that differ between FHIR servers. This EMR is permissive; a proxy that must behave
 * like a stricter partner (Lifen: `_count` <= 100, names >= 2 characters, at least one
 * criterion, see shared/reference/partner-apis.md) passes its own policy.
 */
export interface SearchPolicy {
  defaultCount: number;
  maxCount: number;
  /** A search without any criterion is refused with 422. */
  requireCriteria: boolean;
  /** Minimum length of a string-parameter value (0 = no minimum). */
  minStringLength: number;
}

export const FHIR_EMR_SEARCH_POLICY = {
  defaultCount: 50,
  maxCount: 1000,
  requireCriteria: false,
  minStringLength: 0,
} as const satisfies SearchPolicy;

/** Result parameters accepted on every search; those not listed in RESULT_NOOP change output. */
const RESULT_NOOP = new Set(['_format', '_pretty', '_total']);

interface Criterion {
  /** Parameter as written (with modifier), kept for the self link. */
  key: string;
  raw: string;
  test: (r: Resource) => boolean;
}

export interface ParsedSearch {
  type: FhirEmrType;
  criteria: Criterion[];
  count: number;
  summaryCount: boolean;
  /** Parameters applied, in request order: what the Bundle's self link shows. */
  applied: [string, string][];
  /** Parameters ignored (lenient handling); never echoed in links. */
  ignored: string[];
  /** `_sort` keys in order; `desc` for a leading '-' (https://hl7.org/fhir/R4/search.html#sort). */
  sort: { key: SortKey; desc: boolean }[];
}

/** Sort keys this EMR offers: enough for a change feed (`_sort=_lastUpdated`). */
const SORT_KEYS = ['_lastUpdated', '_id'] as const;
type SortKey = (typeof SORT_KEYS)[number];
const sortValue = (r: Resource, key: SortKey): string => (key === '_id' ? (r.id ?? '') : (r.meta?.lastUpdated ?? ''));

const MODIFIERS: Record<SearchParamDef['type'], readonly string[]> = {
  string: ['', 'exact', 'contains', 'missing'],
  token: ['', 'missing'],
  date: ['', 'missing'],
  reference: ['', 'missing'],
};

function compile(def: SearchParamDef, modifier: string, raw: string, policy: SearchPolicy): (r: Resource) => boolean {
  const param = modifier ? `${def.name}:${modifier}` : def.name;
  if (modifier === 'missing') {
    if (raw !== 'true' && raw !== 'false') throw OperationOutcomeError.of(400, 'value', `${param} must be true or false`, [param]);
    const wantMissing = raw === 'true';
    return (r) => (def.values(r).length === 0) === wantMissing;
  }
  const alternatives = splitOr(raw);
  switch (def.type) {
    case 'string': {
      const values = alternatives.map(unescape);
      if (policy.minStringLength > 0 && values.some((v) => v.trim().length < policy.minStringLength)) {
        throw OperationOutcomeError.of(400, 'value', `${param} needs at least ${policy.minStringLength} characters`, [param]);
      }
      const mod = modifier as '' | 'exact' | 'contains';
      return (r) => {
        const have = def.values(r);
        return values.some((v) => matchString(have, v, mod));
      };
    }
    case 'token':
      return (r) => {
        const have = def.values(r);
        return alternatives.some((v) => matchToken(have, v, def.normalize));
      };
    case 'date': {
      const queries = alternatives.map((v) => parseDateQuery(v, param));
      return (r) => {
        const have = def.values(r);
        return queries.some((q) => matchDate(have, q.prefix, q.range));
      };
    }
    case 'reference': {
      const values = alternatives.map(unescape);
      return (r) => {
        const have = def.values(r);
        return values.some((v) => matchReference(have, v, def.targets));
      };
    }
  }
}

function parseCount(raw: string, policy: SearchPolicy): number {
  if (!/^\d+$/.test(raw)) throw OperationOutcomeError.of(400, 'value', '_count must be a non-negative integer', ['_count']);
  // A server may return fewer than asked (https://hl7.org/fhir/R4/search.html#count): clamp.
  return Math.min(Number(raw), policy.maxCount);
}

/**
 * Turns query/form parameters into compiled criteria. Repeated parameters are ANDed, commas
 * inside one value are ORed (https://hl7.org/fhir/R4/search.html#combining). Unknown
 * parameters are ignored unless the client sent `Prefer: handling=strict`.
 */
export function parseSearch(
  type: FhirEmrType,
  params: readonly [string, string][],
  opts: { strict: boolean; policy?: SearchPolicy },
): ParsedSearch {
  const policy = opts.policy ?? FHIR_EMR_SEARCH_POLICY;
  const defs = new Map(searchParamsFor(type).map((d) => [d.name, d]));
  const parsed: ParsedSearch = { type, criteria: [], count: policy.defaultCount, summaryCount: false, applied: [], ignored: [], sort: [] };
  const reject = (key: string, why: string): never => {
    throw OperationOutcomeError.of(400, 'not-supported', `${why}: ${key}`, [key]);
  };

  for (const [key, raw] of params) {
    if (key === '_count') {
      parsed.count = parseCount(raw, policy);
      continue;
    }
    if (key === '_summary') {
      if (raw === 'count') parsed.summaryCount = true;
      else if (raw !== 'false') {
        if (opts.strict) reject(key, `Unsupported _summary value '${raw}'`);
        parsed.ignored.push(key);
        continue;
      }
      parsed.applied.push([key, raw]);
      continue;
    }
    if (key === '_sort') {
      for (const part of raw.split(',').filter(Boolean)) {
        const desc = part.startsWith('-');
        const k = desc ? part.slice(1) : part;
        // An unknown sort key is ignored like an unknown parameter (the server may not sort).
        if ((SORT_KEYS as readonly string[]).includes(k)) parsed.sort.push({ key: k as SortKey, desc });
        else if (opts.strict) reject(key, `Unsupported sort key '${k}'`);
      }
      if (parsed.sort.length > 0) parsed.applied.push([key, parsed.sort.map((s) => `${s.desc ? '-' : ''}${s.key}`).join(',')]);
      continue;
    }
    if (RESULT_NOOP.has(key)) continue;
    const [name = '', modifier = '', ...rest] = key.split(':');
    const def = defs.get(name);
    if (!def || rest.length > 0) {
      if (opts.strict) reject(key, `Unknown search parameter for ${type}`);
      parsed.ignored.push(key);
      continue;
    }
    if (!MODIFIERS[def.type].includes(modifier)) {
      // An unknown modifier changes the meaning of the search: always an error (search.html#modifiers).
      reject(key, 'Unsupported modifier');
    }
    if (raw === '') continue; // An empty value is no criterion (common server behaviour).
    parsed.criteria.push({ key, raw, test: compile(def, modifier, raw, policy) });
    parsed.applied.push([key, raw]);
  }
  if (policy.requireCriteria && parsed.criteria.length === 0) {
    throw OperationOutcomeError.of(422, 'required', `A ${type} search needs at least one search criterion`);
  }
  return parsed;
}

export function runSearch(resources: readonly Resource[], parsed: ParsedSearch): Resource[] {
  const found = parsed.criteria.length === 0 ? resources.slice() : resources.filter((r) => parsed.criteria.every((c) => c.test(r)));
  if (parsed.sort.length === 0) return found;
  // Array.prototype.sort is stable: ties keep the store's order.
  return found.sort((a, b) => {
    for (const { key, desc } of parsed.sort) {
      const x = sortValue(a, key);
      const y = sortValue(b, key);
      if (x !== y) return (x < y ? -1 : 1) * (desc ? -1 : 1);
    }
    return 0;
  });
}

/** Whether one resource matches a search's criteria (subscription criteria such as `Appointment?status=booked`). */
export function matchesSearch(resource: Resource, parsed: ParsedSearch): boolean {
  return parsed.criteria.every((c) => c.test(resource));
}

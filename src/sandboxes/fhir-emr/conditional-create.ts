import type { Resource } from '@medplum/fhirtypes';
import type { FhirEmrType } from './fhir-store.js';
import { OperationOutcomeError } from './operation-outcome.js';
import { parseSearch, runSearch, type ParsedSearch } from './search.js';

/**
 * FHIR R4 conditional create (https://hl7.org/fhir/R4/http.html#ccreate): `If-None-Exist`
 * carries search parameters, what would follow the `?` of a search URL. No match: create (201);
 * one match: the POST is ignored (200 with the existing resource); several: 412.
 *
 * The condition is parsed strictly: an unknown parameter or one that is no criterion (`_count`,
 * `_sort`) is a 400, because ignoring it as a lenient search does would widen the condition
 * and could make a create silently match an unrelated resource.
 */
export type ConditionOutcome = { kind: 'none' } | { kind: 'create' } | { kind: 'exists'; resource: Resource };

const RESULT_PARAMS = new Set(['_count', '_sort', '_summary', '_total', '_format', '_pretty', '_getpages', '_getpagesoffset']);

export function checkIfNoneExist(header: string | string[] | undefined, type: FhirEmrType, current: readonly Resource[]): ConditionOutcome {
  if (header === undefined) return { kind: 'none' };
  if (Array.isArray(header)) throw OperationOutcomeError.of(400, 'invalid', 'If-None-Exist must be sent once');
  const query = header.trim();
  if (query === '') throw OperationOutcomeError.of(400, 'required', 'If-None-Exist is empty: it needs search criteria');
  const pairs = Array.from(new URLSearchParams(query).entries());
  const resultParam = pairs.find(([k]) => RESULT_PARAMS.has(k));
  if (resultParam) throw OperationOutcomeError.of(400, 'invalid', `If-None-Exist takes search criteria only, not ${resultParam[0]}`);
  let parsed: ParsedSearch;
  try {
    parsed = parseSearch(type, pairs, { strict: true });
  } catch (e) {
    if (e instanceof OperationOutcomeError) {
      // Same status and issue codes, the diagnostics say which header was wrong.
      const issue = (e.outcome.issue ?? []).map((i) => ({ ...i, diagnostics: `If-None-Exist: ${i.diagnostics ?? 'invalid'}` }));
      throw new OperationOutcomeError(e.status, { ...e.outcome, issue });
    }
    throw e;
  }
  if (parsed.criteria.length === 0) throw OperationOutcomeError.of(400, 'required', 'If-None-Exist has no search criteria');
  const matches = runSearch(current, parsed);
  if (matches.length > 1) {
    throw OperationOutcomeError.of(
      412,
      'multiple-matches',
      `If-None-Exist matches ${matches.length} ${type} resources: the condition is not selective enough; nothing was created`,
    );
  }
  const [existing] = matches;
  return existing ? { kind: 'exists', resource: existing } : { kind: 'create' };
}

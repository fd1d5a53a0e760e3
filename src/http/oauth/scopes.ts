/**
 * OAuth scopes of the FHIR API, as Lifen names them (partner-apis.md, "Lifen send-to-EHR"):
 * a functional scope grants a fixed set of technical scopes, and routes check technical ones.
 * A client may also be given technical scopes directly.
 */
export const FUNCTIONAL_SCOPES = {
  SEND_TO_EHR: ['ORGANIZATION_READ', 'BINARY_CREATE', 'COMMUNICATIONREQUEST_CREATE', 'DOCUMENTREFERENCE_CREATE'],
  PATIENT_GAM_SEARCH: ['PATIENT_READ', 'PATIENT_SEARCH', 'ENCOUNTER_READ', 'ENCOUNTER_SEARCH'],
} as const satisfies Record<string, readonly string[]>;

export type FunctionalScope = keyof typeof FUNCTIONAL_SCOPES;
export type TechnicalScope = (typeof FUNCTIONAL_SCOPES)[FunctionalScope][number];

export const TECHNICAL_SCOPES: readonly TechnicalScope[] = [...new Set(Object.values(FUNCTIONAL_SCOPES).flat())];

/** Every scope name a client may hold. */
export const KNOWN_SCOPES: readonly string[] = [...Object.keys(FUNCTIONAL_SCOPES), ...TECHNICAL_SCOPES];

/** Scopes are space-separated (RFC 6749 §3.3); commas are tolerated from a CLI user. */
export function parseScopes(value: string | undefined | null): string[] {
  return [...new Set((value ?? '').split(/[\s,]+/).filter(Boolean))];
}

export function unknownScopes(scopes: readonly string[]): string[] {
  return scopes.filter((s) => !KNOWN_SCOPES.includes(s));
}

/** The technical scopes a set of scopes amounts to. */
export function expandScopes(scopes: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const s of scopes) {
    out.add(s);
    const granted = (FUNCTIONAL_SCOPES as Record<string, readonly string[]>)[s];
    for (const t of granted ?? []) out.add(t);
  }
  return out;
}

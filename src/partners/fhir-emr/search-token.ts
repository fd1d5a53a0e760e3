import type { IdentifierKey } from '../../flows/sync/targets/emr/emr-writer.js';

/** `\`, `|`, `,` and `$` are search syntax; a literal one is escaped (https://hl7.org/fhir/R4/search.html#escaping). */
export function escapeSearchValue(s: string): string {
  return s.replace(/[\\|,$]/g, (c) => `\\${c}`);
}

/** A token search value `system|value` (https://hl7.org/fhir/R4/search.html#token). */
export function tokenParam(key: IdentifierKey): string {
  return `${escapeSearchValue(key.system)}|${escapeSearchValue(key.value)}`;
}

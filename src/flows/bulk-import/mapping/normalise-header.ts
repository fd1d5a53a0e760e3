/**
 * Column-name matching that survives what EMR exports and spreadsheet edits do to headers:
 * case, spaces, underscores, hyphens, accents ("Prénom" = "prenom" = "PRENOM").
 */

const RE_COMBINING = /[\u0300-\u036f]/g;
const RE_NON_ALNUM = /[^a-z0-9]/g;

/** "Date of Birth" → "dateofbirth", "Prénom" → "prenom", "patient_id" → "patientid". */
export function normaliseHeader(header: string): string {
  return header.normalize('NFD').replace(RE_COMBINING, '').toLowerCase().replace(RE_NON_ALNUM, '');
}

/**
 * Index of `name` in `header`: an exact match first, then the only normalised match.
 * -1 when absent; -2 when several columns normalise to the same name (ambiguous).
 */
export function findColumnIndex(header: readonly string[], name: string): number {
  const exact = header.indexOf(name);
  if (exact !== -1) return exact;
  const wanted = normaliseHeader(name);
  let found = -1;
  for (let i = 0; i < header.length; i++) {
    if (normaliseHeader(header[i] ?? '') === wanted) {
      if (found !== -1) return -2;
      found = i;
    }
  }
  return found;
}

/** Header names that occur more than once (exact match after trimming), in first-seen order. */
export function duplicateColumns(header: readonly string[]): string[] {
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) dupes.add(h);
    else seen.add(h);
  }
  return [...dupes];
}

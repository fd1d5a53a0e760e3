import { PATIENT_FIELDS, type PatientField } from '../../emr-projection.js';

/**
 * Which demographics make a platform patient surely the same as an EMR patient (issue 9: "a
 * configurable demographic match on name + birth date + e-mail"): `EHR_BRIDGE_SYNC_MATCH`,
 * default `family,given,birthDate,email`. Every listed field must be present on both sides and
 * equal (after the projection's normalisation) for a match to count as certain.
 */
export const DEFAULT_MATCH_FIELDS: readonly PatientField[] = ['family', 'given', 'birthDate', 'email'];

export class MatchSettingsError extends Error {
  override name = 'MatchSettingsError';
}

export function parseMatchFields(text: string | undefined): PatientField[] {
  if (!text?.trim()) return [...DEFAULT_MATCH_FIELDS];
  const out: PatientField[] = [];
  for (const name of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const f = PATIENT_FIELDS.find((x) => x.toLowerCase() === name.toLowerCase());
    if (!f) throw new MatchSettingsError(`EHR_BRIDGE_SYNC_MATCH: unknown field "${name}" (${PATIENT_FIELDS.join(', ')})`);
    if (!out.includes(f)) out.push(f);
  }
  // The EMR is searched by family name: without it every patient would be a candidate.
  if (!out.includes('family')) throw new MatchSettingsError('EHR_BRIDGE_SYNC_MATCH: must include family (the EMR is searched by family name)');
  if (out.length < 2) throw new MatchSettingsError('EHR_BRIDGE_SYNC_MATCH: a family name alone is not a match; add given, birthDate or email');
  return out;
}

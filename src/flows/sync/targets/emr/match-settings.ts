import { PATIENT_FIELDS, type PatientField } from '../../emr-projection.js';

/**
 * Which demographics make a platform patient surely the same as an EMR patient (issue 9: "a
 * configurable demographic match on name + birth date + e-mail"): `EHR_BRIDGE_SYNC_MATCH`,
 * default `family,given,birthDate,email`. Every listed field must be present on both sides and
 * equal (after the projection's normalisation) for a match to count as certain.
 */
export const DEFAULT_MATCH_FIELDS: readonly PatientField[] = ['family', 'given', 'birthDate', 'email'];

/**
 * A participant carries a name and an e-mail only (partner-apis.md, Participant): no birth date.
 * Its match (`EHR_BRIDGE_SYNC_MATCH_PARTICIPANT`, default `family,given,email`) can use only
 * those; without it every appointment booked in OnCall for a known patient would wait for a person.
 */
export const DEFAULT_PARTICIPANT_MATCH_FIELDS: readonly PatientField[] = ['family', 'given', 'email'];
const PARTICIPANT_FIELDS: readonly PatientField[] = ['family', 'given', 'email'];

export class MatchSettingsError extends Error {
  override name = 'MatchSettingsError';
}

export function parseMatchFields(text: string | undefined, variable = 'EHR_BRIDGE_SYNC_MATCH', allowed: readonly PatientField[] = PATIENT_FIELDS, defaults = DEFAULT_MATCH_FIELDS): PatientField[] {
  if (!text?.trim()) return [...defaults];
  const out: PatientField[] = [];
  for (const name of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const f = allowed.find((x) => x.toLowerCase() === name.toLowerCase());
    if (!f) throw new MatchSettingsError(`${variable}: unknown field "${name}" (${allowed.join(', ')})`);
    if (!out.includes(f)) out.push(f);
  }
  // The EMR is searched by family name: without it every patient would be a candidate.
  if (!out.includes('family')) throw new MatchSettingsError(`${variable}: must include family (the EMR is searched by family name)`);
  if (out.length < 2) throw new MatchSettingsError(`${variable}: a family name alone is not a match; add ${allowed.filter((f) => f !== 'family').join(', ')}`);
  return out;
}

export function parseParticipantMatchFields(text: string | undefined): PatientField[] {
  return parseMatchFields(text, 'EHR_BRIDGE_SYNC_MATCH_PARTICIPANT', PARTICIPANT_FIELDS, DEFAULT_PARTICIPANT_MATCH_FIELDS);
}

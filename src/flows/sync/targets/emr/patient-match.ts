import type { Patient } from '@medplum/fhirtypes';
import { emrPatientProjection, type EmrPatientProjection, type PatientField } from '../../emr-projection.js';
import type { DemographicQuery, EmrPatientFound } from './emr-writer.js';

/**
 * The demographic match (issue 9: "matched against the EMR before anything is created ... an
 * uncertain match is never merged silently"). Pure: the EMR is searched broadly (family name and
 * birth date) so that near misses are seen, then every candidate is classed:
 * - certain: every configured field present on both sides and equal;
 * - possible: same family name, given name (or its first word) and birth date where both sides
 *   have them, but not certain (another configured field differs or is missing);
 * Exactly one certain candidate and no possible one is a match; any other mix waits for a person.
 */
export type MatchOutcome =
  | { kind: 'certain'; emrId: string }
  | { kind: 'uncertain'; candidates: string[]; reason: string }
  | { kind: 'none' };

/** The EMR search for a platform patient; null when it has no family name (nothing to search by). */
export function demographicQuery(p: Patient): DemographicQuery | null {
  const name = (p.name ?? []).find((n) => n.family?.trim());
  const family = name?.family?.trim();
  if (!family) return null;
  return { family, ...(p.birthDate?.trim() ? { birthDate: p.birthDate.trim() } : {}) };
}

const firstWord = (s: string) => s.split(' ')[0];

function sameCore(a: EmrPatientProjection, b: EmrPatientProjection): boolean {
  if (!a.family || a.family !== b.family) return false;
  if (a.given && b.given && a.given !== b.given && firstWord(a.given) !== firstWord(b.given)) return false;
  if (a.birthDate && b.birthDate && a.birthDate !== b.birthDate) return false;
  return true;
}

/** Configured fields that keep a candidate from being certain, by name (never by value). */
function shortfall(platform: EmrPatientProjection, emr: EmrPatientProjection, fields: readonly PatientField[]): { differ: PatientField[]; missing: PatientField[] } {
  const differ: PatientField[] = [];
  const missing: PatientField[] = [];
  for (const f of fields) {
    if (platform[f] === undefined || emr[f] === undefined) missing.push(f);
    else if (platform[f] !== emr[f]) differ.push(f);
  }
  return { differ, missing };
}

export function classifyCandidates(platformPatient: Patient, found: readonly EmrPatientFound[], fields: readonly PatientField[]): MatchOutcome {
  const platform = emrPatientProjection(platformPatient);
  const certain: string[] = [];
  const possible: Array<{ id: string; differ: PatientField[]; missing: PatientField[] }> = [];
  for (const f of new Map(found.map((x) => [x.id, x])).values()) {
    const emr = emrPatientProjection(f.patient);
    const gap = shortfall(platform, emr, fields);
    if (!gap.differ.length && !gap.missing.length) certain.push(f.id);
    else if (sameCore(platform, emr)) possible.push({ id: f.id, ...gap });
  }
  if (certain.length === 1 && !possible.length) return { kind: 'certain', emrId: certain[0]! };
  if (!certain.length && !possible.length) return { kind: 'none' };
  const candidates = [...certain, ...possible.map((p) => p.id)];
  let reason: string;
  if (certain.length > 1) reason = `${certain.length} EMR patients match on every configured field (${fields.join(', ')})`;
  else if (certain.length === 1) reason = `one EMR patient matches on every configured field and ${possible.length} more share the name and birth date`;
  else if (possible.length > 1) reason = `${possible.length} EMR patients share the name and birth date`;
  else {
    const p = possible[0]!;
    const parts = [...(p.differ.length ? [`different ${p.differ.join(', ')}`] : []), ...(p.missing.length ? [`${p.missing.join(', ')} missing on one side`] : [])];
    reason = `same name and birth date, ${parts.join('; ')}`;
  }
  return { kind: 'uncertain', candidates, reason };
}

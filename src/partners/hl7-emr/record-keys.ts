import type { Identifier } from '@medplum/fhirtypes';
import { IDENTIFIER_SYSTEMS } from '../../domain/identifiers.js';
import { deriveControlId } from '../../hl7/control-id.js';

/**
 * The ids an HL7 v2 EMR knows a record by. Over MLLP nothing can be read back, so the key the
 * first message carried is the key every later message must carry:
 * - a patient's key is PID-3 type MR: the EMR id when the platform holds one, else a short id
 *   derived from the OnCall contact URL (`OC-<contact number>`), which the target keeps in its
 *   links as the EMR id (createPatient returns it);
 * - an appointment's key is SCH-1 (placer id, the OnCall appointment URL), with SCH-2 (filler id)
 *   when the EMR id is known.
 */
export function identifierValue(identifiers: Identifier[] | undefined, system: string): string | undefined {
  return identifiers?.find((i) => i.system === system && i.value?.trim())?.value?.trim();
}

export function identifierValues(identifiers: Identifier[] | undefined, system: string): string[] {
  const values = (identifiers ?? []).filter((i) => i.system === system).map((i) => i.value?.trim() ?? '');
  return [...new Set(values.filter(Boolean))];
}

export const emrIdOf = (identifiers: Identifier[] | undefined): string | undefined => identifierValue(identifiers, IDENTIFIER_SYSTEMS.emr);

/** CX.1 is 15 characters in v2.5.1 (2.A.14): `OC-` leaves 12 for the number or hash. */
const DERIVED_HASH_LENGTH = 12;

/**
 * The patient key for a record the EMR has no id for yet, from its OnCall URL:
 * `.../contacts/123/` -> `OC-123`, `.../participants/45/` -> `OC-P45` (participants and contacts
 * are numbered apart), anything else -> `OC-` + 12 base-32 characters of its SHA-256.
 */
export function derivedPatientKey(oncallUrl: string): string {
  const m = /\/(contacts|participants)\/(\d{1,12})\/?$/.exec(oncallUrl.trim());
  if (m?.[1] === 'contacts') return `OC-${m[2]}`;
  if (m?.[1] === 'participants') return `OC-P${m[2]}`;
  return `OC-${deriveControlId(`oncall:${oncallUrl.trim()}`, DERIVED_HASH_LENGTH)}`;
}

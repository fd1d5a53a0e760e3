/**
 * Validation issues: what is wrong with which field of which line, in words staff can act on.
 * Messages NEVER contain the cell value (it may be a name, a birth date, an e-mail): they name
 * the field and the rule ("birthDate is not a real calendar date"). Isomorphic.
 */
import type { MappingIssueCode } from '../mapping/transforms.js';

export const VALIDATION_CODES = {
  required: 'required',
  emrIdMissing: 'emr-id-missing',
  duplicateEmrId: 'duplicate-emr-id',
  invalidEmail: 'invalid-email',
  emailInName: 'email-in-name',
  invalidDate: 'invalid-date',
  impossibleDate: 'impossible-date',
  birthDateInFuture: 'birth-date-in-future',
  unknownSex: 'unknown-sex',
  invalidPhone: 'invalid-phone',
  invalidReference: 'invalid-reference',
  tooLong: 'too-long',
  tooManyParticipants: 'too-many-participants',
  participantIncomplete: 'participant-incomplete',
  invalidFee: 'invalid-fee',
  metadataTooManyKeys: 'metadata-too-many-keys',
  metadataKeyTooLong: 'metadata-key-too-long',
  metadataValueTooLong: 'metadata-value-too-long',
  metadataKeyConflict: 'metadata-key-conflict',
  invalidDuration: 'invalid-duration',
  unknownAppointmentType: 'unknown-appointment-type',
  datetimeRequired: 'datetime-required',
  invalidDateTime: 'invalid-datetime',
  /** An EMR appointment entered in error (it never existed): not imported. */
  notHappening: 'not-happening',
  /** Warning: the patient has no e-mail in the EMR; the participant uses a fallback address. */
  participantEmailFallback: 'participant-email-fallback',
} as const satisfies Record<string, string>;

export type ValidationCode = (typeof VALIDATION_CODES)[keyof typeof VALIDATION_CODES] | MappingIssueCode;

export type IssueSeverity = 'error' | 'warning';

export interface ValidationIssue {
  /** Physical line of the CSV record (1 = header), 0 when the record did not come from a file. */
  readonly line: number;
  /** Record field, e.g. `birthDate`, `participants.email[2]` (1-based participant), `metadata.room`. */
  readonly field: string;
  /** Source column(s) of the field, when known. */
  readonly column?: string;
  readonly code: ValidationCode;
  readonly message: string;
  /** `error` rejects the row; `warning` is reported and the row is still imported. */
  readonly severity: IssueSeverity;
}

/** True when an issue list contains at least one error (warnings do not reject a row). */
export function hasErrors(issues: readonly ValidationIssue[]): boolean {
  for (const i of issues) if (i.severity === 'error') return true;
  return false;
}

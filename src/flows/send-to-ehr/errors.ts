/**
 * Why a `$send-to-ehr` request is refused after its parameters were read: the EMR does not know
 * the Patient/Encounter, the encounter is another patient's, or the EMR cannot be asked now.
 * The FHIR API maps these to 422 / 503 OperationOutcomes; nothing has been stored.
 */
export type RejectionKind = 'invalid-reference' | 'encounter-mismatch' | 'emr-unavailable';

export class DocumentRejectedError extends Error {
  constructor(
    readonly kind: RejectionKind,
    /** `Patient/{id}` or `Encounter/{id}` (ids only, never patient data). */
    readonly reference: string,
    readonly parameter: 'subject' | 'context',
    opts: { cause?: unknown } = {},
  ) {
    super(kind === 'emr-unavailable' ? 'the EMR could not be reached' : `${kind}: ${reference}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DocumentRejectedError';
  }
}

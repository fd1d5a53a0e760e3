/**
 * Bulk-import validation (isomorphic: browser and Node) and the ImportRecord ↔ FHIR bridges.
 */
export { createFileValidator } from './file-validator.js';
export type {
  FileRow, FileValidationSummary, FileValidator, FileValidatorOptions, HeaderIssue, RowValidation,
} from './file-validator.js';
export { fromFhirAppointment, fromFhirPatient } from './from-fhir.js';
export type { FromFhirOptions } from './from-fhir.js';
export { VALIDATION_CODES, hasErrors } from './issues.js';
export type { IssueSeverity, ValidationCode, ValidationIssue } from './issues.js';
export { PARTICIPANT_FIELDS, joinParticipants, splitParticipants } from './participants.js';
export type { ImportParticipant } from './participants.js';
export { canonicalRecordString, rowKey } from './row-key.js';
export type { RowKey } from './row-key.js';
export { IMPORT_FHIR_URLS, addMinutesIso, recordToAppointment, recordToPatient, toFhir } from './to-fhir.js';
export { validateRecord } from './validate-record.js';
export type { ValidationContext } from './validate-record.js';

/**
 * FHIR R4 resources are the canonical model (https://hl7.org/fhir/R4/patient.html,
 * https://hl7.org/fhir/R4/appointment.html): every source (CSV row, FHIR EMR, HL7 message,
 * partner object) maps to them and every target maps from them.
 *
 * The identifier systems below tag where an id came from, so one Patient can carry its EMR id
 * and the ids the platforms gave it without confusing them.
 */
export const IDENTIFIER_SYSTEMS = {
  /** The id the source EMR gave the record (CSV "Patient ID" column, FHIR resource id). */
  emr: 'urn:ehr-bridge:emr-id',
  /** The URL of the OnCall Health object created for the record. */
  oncallUrl: 'urn:ehr-bridge:oncall-url',
} as const satisfies Record<string, string>;

export type RecordType = 'contacts' | 'appointments';
export const RECORD_TYPES = ['contacts', 'appointments'] as const satisfies readonly RecordType[];

export type TargetSystem = 'oncall';
export const TARGET_SYSTEMS = ['oncall'] as const satisfies readonly TargetSystem[];

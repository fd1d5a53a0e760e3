import type { Appointment, Patient } from '@medplum/fhirtypes';

/**
 * How the sync writes to an EMR (issue 9, "Writing to the EMR"): one implementation per EMR
 * kind, in its partner folder (src/partners/fhir-emr/ for a FHIR R4 server, src/partners/hl7-emr/
 * for an HL7 v2 EMR over MLLP). The EMR target decides what to write; a writer only says it in
 * the EMR's language. Failures throw PartnerError: `permanent` (422, AE: content refused),
 * `ambiguous` (no clear answer: look up before sending again), `transient`, `auth`.
 */
export interface IdentifierKey {
  system: string;
  value: string;
}

export interface DemographicQuery {
  family: string;
  given?: string;
  birthDate?: string;
  email?: string;
}

export interface EmrPatientFound {
  id: string;
  patient: Patient;
}

/**
 * `changeKey` names the change being written (the platform message's id): an EMR that can only
 * de-duplicate by message id (HL7 MSH-10) then tells a resend of this change (same key) from a
 * later change back to an earlier state (3 pm -> 4 pm -> 3 pm: a new key). FHIR ignores it.
 */
export interface EmrWriteOptions {
  changeKey?: string;
}

export type AppointmentWriteChange = 'new' | 'reschedule' | 'modify' | 'cancel' | 'noshow';

export interface EmrWriter {
  /** `fhir` or `hl7`: also the links system suffix is always `emr`. */
  readonly kind: 'fhir' | 'hl7';
  /** In words for the trace ("FHIR EMR at http://…", "HL7 EMR at host:port"). */
  readonly label: string;
  /** Whether the EMR can be read back (FHIR yes; HL7 v2 over MLLP no: the target relies on links and hashes). */
  readonly readable: boolean;

  /** Patients carrying this identifier (FHIR `identifier=system|value`); [] when not readable. */
  findPatientsByIdentifier(key: IdentifierKey, signal?: AbortSignal): Promise<EmrPatientFound[]>;
  /** Patients matching the demographics (FHIR search family + birthdate [+ email]); [] when not readable. */
  findPatientsByDemographics(q: DemographicQuery, signal?: AbortSignal): Promise<EmrPatientFound[]>;
  readPatient(id: string, signal?: AbortSignal): Promise<Patient | null>;
  /** The appointment carrying this identifier, when readable. */
  findAppointmentByIdentifier(key: IdentifierKey, signal?: AbortSignal): Promise<{ id: string; appointment: Appointment } | null>;
  readAppointment(id: string, signal?: AbortSignal): Promise<Appointment | null>;

  /**
   * Creates a patient that cannot be created twice: FHIR conditional create on `key`
   * (If-None-Exist), HL7 ADT^A04 whose MSH-10 derives from `key` + content. Returns the EMR id
   * (FHIR: the resource id; HL7: the PID-3 identifier value the message carried).
   */
  createPatient(patient: Patient, key: IdentifierKey, signal?: AbortSignal): Promise<{ id: string }>;
  /** Writes the patient as given (FHIR: PUT of the whole resource read before, changed; HL7: ADT^A08). */
  updatePatient(id: string, patient: Patient, signal?: AbortSignal, opts?: EmrWriteOptions): Promise<void>;
  /**
   * Creates an appointment (FHIR conditional create; HL7 SIU^S12). Participants reference EMR
   * patients as `Patient/<emr id>`; `patients` are those patients (with their EMR id in
   * identifier, system IDENTIFIER_SYSTEMS.emr) for an EMR that needs them in the message (HL7 PID).
   */
  createAppointment(appointment: Appointment, key: IdentifierKey, patients: Patient[], signal?: AbortSignal): Promise<{ id: string }>;
  /** FHIR: PUT; HL7: S13 reschedule, S14 modify, S15 cancel (no-show: S14 with the status). */
  updateAppointment(id: string, appointment: Appointment, change: AppointmentWriteChange, patients: Patient[], signal?: AbortSignal, opts?: EmrWriteOptions): Promise<void>;
  close(): Promise<void>;
}

import type { Appointment, Patient } from '@medplum/fhirtypes';

/**
 * What the inbound HL7 v2 channel hands to the sync spine: canonical FHIR R4 events, or a
 * decision the listener turns into an ACK. Pure data: no database, no socket.
 */
export interface InboundOptions {
  /** PID-3.5 identifier type that is the EMR id; default 'MR'. Else the first repetition. */
  emrIdType?: string;
  /** Charset when MSH-18 is absent (the listener's configuration); default 'UTF-8'. */
  charset?: 'UTF-8' | 'ISO-8859-1';
  /** Identifier system for the EMR id on the Patient and Appointment; default IDENTIFIER_SYSTEMS.emr. */
  emrIdSystem?: string;
  /** IANA zone of date/times written without a UTC offset (e.g. 'America/Toronto'); default 'UTC'. */
  timeZone?: string;
}

export interface Hl7Header {
  /** MSH-3.1 (namespace id), unescaped. */
  sendingApplication: string;
  /** MSH-4.1, unescaped. */
  sendingFacility: string;
  /** MSH-10, unescaped. */
  controlId: string;
  /** MSH-9.1^MSH-9.2, e.g. 'ADT^A08'. */
  messageType: string;
  /** MSH-9.2 (trigger event), e.g. 'A08'. */
  event: string;
  /** MSH-12.1, e.g. '2.5.1'. */
  version: string;
  /** MSH-7 as ISO 8601, when it is a valid date/time. */
  timestamp?: string;
  /** The charset the bytes were decoded with. */
  charset?: 'UTF-8' | 'ISO-8859-1';
}

/**
 * One ERR segment. `code` from HL7 table 0357, `location` as `SEG^sequence^field` (e.g.
 * `PID^1^3`), `text` names the field and the problem, never a value (it may be patient data).
 */
export interface Hl7Error {
  code: string;
  codeText?: string;
  location?: string;
  text: string;
}

/** Where the EMR says the patient or appointment is (PL: PV1-3, AIL-3), for routing per location. */
export interface EmrLocation {
  /** PL.1 point of care (clinic, ward). */
  pointOfCare?: string;
  /** PL.2 room. */
  room?: string;
  /** PL.3 bed. */
  bed?: string;
  /** PL.4.1 facility (HD namespace id). */
  facility?: string;
}

export type AppointmentChange = 'new' | 'reschedule' | 'modify' | 'cancel' | 'delete' | 'noshow';

export type CanonicalEvent =
  | {
      type: 'patient-upsert';
      emrPatientId: string;
      patient: Patient;
      /** PV1-3 assigned patient location, when the message has a PV1. */
      emrLocation?: EmrLocation;
    }
  | { type: 'patient-merge'; survivorId: string; retiredId: string }
  | {
      type: 'appointment-upsert';
      emrAppointmentId: string;
      emrPatientIds: string[];
      appointment: Appointment;
      change: AppointmentChange;
      /** The PID of each patient in the SIU mapped like an ADT's (same order as emrPatientIds). */
      patients: Patient[];
      /** AIL-3 location resource, else PV1-3. */
      emrLocation?: EmrLocation;
    };

export type InboundResult =
  | {
      kind: 'accepted';
      header: Hl7Header;
      /** EMR ids of every patient the message is about (for indexing), in message order. */
      patientIds: string[];
      events: CanonicalEvent[];
      ignored?: false;
      /** Notes for the operator (e.g. the bytes were not valid UTF-8 and were read as ISO-8859-1). */
      warnings?: string[];
    }
  | {
      kind: 'ignored';
      header: Hl7Header;
      /** 'ack' for an inbound ACK (send nothing back); else why it needs nothing (AA). */
      reason: string;
      patientIds?: string[];
    }
  | { kind: 'rejected'; ack: 'AE' | 'AR'; header: Hl7Header | null; errors: Hl7Error[] };

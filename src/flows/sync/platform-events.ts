import type { Appointment, Patient } from '@medplum/fhirtypes';

/**
 * The other direction of the sync (issue 9): records that changed on a platform (OnCall Health
 * today, Teladoc Solo next) and go back to the EMR. A platform channel (webhook receiver, scan)
 * stores what it saw; its decoder turns each stored message into one `platform-record` event;
 * the EMR target fetches the record when the message does not carry it (a webhook body only
 * names the URL), maps it to canonical FHIR through the platform's `PlatformSource`, and applies
 * the difference to the EMR.
 */
export type PlatformRecordKind = 'patient' | 'appointment';

export interface PlatformRecordEvent {
  type: 'platform-record';
  /** Links system name of the platform (`oncall`). */
  system: string;
  kind: PlatformRecordKind;
  /** The record's id on the platform as links keep it (OnCall: the object's URL). */
  id: string;
  /** The record as a scan listed it; absent when only its id is known (a webhook): the target GETs it. */
  record?: unknown;
  /** What told us, in words for the trace: `appointment_created`, `appointment_updated`, `scan`. */
  via: string;
}

/** One participant of a platform appointment, as canonical FHIR. */
export interface PlatformParticipant {
  /** The participant's id on the platform (OnCall: participant URL). */
  id: string;
  patient: Patient;
  /** The platform contact it stands for, when the platform says so. */
  contactId?: string;
  /** The EMR id the platform holds for it (custom field / metadata), when any. */
  emrPatientId?: string;
}

/** A platform record as canonical FHIR R4, with the ids the platform holds. */
export type PlatformCanonical =
  | {
      kind: 'patient';
      id: string;
      /** identifier[] includes { system: IDENTIFIER_SYSTEMS.oncallUrl, value: id }. */
      patient: Patient;
      /** The EMR id held in the platform (OnCall: the EMR-id custom field), when any. */
      emrPatientId?: string;
    }
  | {
      kind: 'appointment';
      id: string;
      /** status booked | cancelled | noshow | fulfilled; start/end in UTC ISO; identifier includes the platform URL. */
      appointment: Appointment;
      /** The EMR appointment id held in the platform (OnCall: metadata emr_id), when any. */
      emrAppointmentId?: string;
      participants: PlatformParticipant[];
    };

/**
 * What the EMR target needs from a platform (one implementation per platform folder):
 * fetch a record by id and read it as canonical FHIR.
 */
export interface PlatformSource {
  readonly system: string;
  readonly label: string;
  /** GETs the record; null when the platform answers that it does not exist (404). Other failures throw PartnerError. */
  fetch(kind: PlatformRecordKind, id: string, signal?: AbortSignal): Promise<unknown | null>;
  /** Reads a fetched or listed record; throws SyncRefused when it cannot be used. */
  toCanonical(kind: PlatformRecordKind, record: unknown): PlatformCanonical;
}

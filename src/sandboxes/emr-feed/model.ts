/**
 * The EMR the feed simulates, as plain state: what each patient and appointment looks like in
 * the EMR after every message so far. The expectation (what OnCall must end up holding) is read
 * from this state, never from the engine's mapping code, so the two can disagree and a test
 * notices.
 */
export interface PatientState {
  emrId: string;
  /** Other identifier (a provincial health card, type JHN) in PID-3 after the MR one, or none. */
  healthCard?: string;
  given: string;
  middle: string;
  family: string;
  sex: 'F' | 'M';
  /** YYYY-MM-DD. */
  birthDate: string;
  /** As the EMR writes it (some senders keep capitals). */
  email: string;
  phone: { area: string; local: string };
  address: { number: number; street: string; city: string; province: string; postalCode: string };
  race: readonly [string, string];
  nextOfKin: { family: string; given: string; relationship: readonly [string, string] };
  /** Appointments ever booked for this patient. */
  appointments: number;
  /** Retired by an A40: the EMR sends nothing more about it. */
  mergedInto?: string;
  /** Takes part in a merge: never booked afterwards (the brief keeps merges clear of appointments). */
  inMerge: boolean;
}

export interface AppointmentState {
  emrId: string;
  placerId: string;
  patientEmrId: string;
  /** Epoch milliseconds. */
  start: number;
  minutes: number;
  reason: readonly [string, string];
  service: readonly [string, string];
  provider: readonly [string, string, string];
  room: string;
  equipment?: readonly [string, string];
  cancelled: boolean;
  noshow: boolean;
}

/** One message kind of the stream (counted in the generator's summary). */
export const FEED_KINDS = [
  'new-patient',
  'update-ignored',
  'update',
  'book',
  'reschedule',
  'modify',
  'cancel',
  'delete',
  'noshow',
  'merge',
] as const;
export type FeedKind = (typeof FEED_KINDS)[number];

export interface FeedMessage {
  /** 0-based position in the stream. */
  index: number;
  kind: FeedKind;
  /** MSH-9.1^MSH-9.2, e.g. 'SIU^S12'. */
  type: string;
  /** MSH-10. */
  controlId: string;
  /** EMR patient ids the message is about (for a merge: survivor, then retired). */
  patientIds: string[];
  /** The HL7 message, segments ended by CR, UTF-8. */
  raw: Buffer;
}

/** What OnCall Health must hold for one EMR patient once the engine has applied the feed. */
export interface ExpectedContact {
  /**
   * Given name and middle initial, as OnCall receives them: PID-5.2 and PID-5.3 are FHIR's given
   * names, and the engine writes every given name into first_name (as bulk import does).
   */
  first_name: string;
  last_name: string;
  /** Lower case. */
  email: string;
  /** Digits only (area code and number). */
  phone: string;
  date_of_birth: string;
  /** True for the retired patient of an A40: its contact stays, its notes mention the merge. */
  merged: boolean;
}

export interface ExpectedAppointment {
  patient_emr_id: string;
  /** UTC, ISO 8601. */
  datetime: string;
  /** Minutes. */
  duration: number;
  cancelled: boolean;
  noshow: boolean;
}

export interface FeedExpectation {
  /** Format version of this file. */
  version: 1;
  seed: string;
  messages: number;
  contacts: Record<string, ExpectedContact>;
  appointments: Record<string, ExpectedAppointment>;
}

export function expectedContact(p: PatientState): ExpectedContact {
  return {
    first_name: [p.given, p.middle].filter(Boolean).join(' '),
    last_name: p.family,
    email: p.email.toLowerCase(),
    phone: p.phone.area + p.phone.local,
    date_of_birth: p.birthDate,
    merged: p.mergedInto !== undefined,
  };
}

export function expectedAppointment(a: AppointmentState): ExpectedAppointment {
  return {
    patient_emr_id: a.patientEmrId,
    datetime: new Date(a.start).toISOString(),
    duration: a.minutes,
    cancelled: a.cancelled,
    noshow: a.noshow,
  };
}

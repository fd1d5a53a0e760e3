import type { CanonicalEvent } from '../../channels/hl7v2/types.js';
import type { PlatformRecordEvent } from './platform-events.js';
import type { Trace } from './trace.js';

export type PatientUpsert = Extract<CanonicalEvent, { type: 'patient-upsert' }>;
export type AppointmentUpsert = Extract<CanonicalEvent, { type: 'appointment-upsert' }>;
export type PatientMerge = Extract<CanonicalEvent, { type: 'patient-merge' }>;

export interface ApplyContext {
  messageId: number;
  trace: Trace;
  signal?: AbortSignal;
}

/**
 * A platform the EMR's canonical events are applied to (OnCall Health today, Teladoc Solo next):
 * one folder under src/flows/sync/targets/ each. A target decides per event whether anything it
 * holds changed (links + projection hash), writes through the effects store, keeps the links,
 * and says what it did in the trace. Errors: PartnerError (kind decides retry or failure) or
 * SyncRefused for content it cannot use.
 */
export interface SyncTarget {
  /** The system name in links (`oncall`). */
  readonly system: string;
  readonly label: string;
  patient(ev: PatientUpsert, c: ApplyContext): Promise<void>;
  appointment(ev: AppointmentUpsert, c: ApplyContext): Promise<void>;
  merge(ev: PatientMerge, c: ApplyContext): Promise<void>;
}

/**
 * The EMR as a target (issue 9): records that changed on a platform, applied to the EMR
 * (src/flows/sync/targets/emr/). Same errors as a SyncTarget.
 */
export interface EmrSyncTarget {
  readonly label: string;
  record(ev: PlatformRecordEvent, c: ApplyContext): Promise<void>;
  /** Closes the EMR connection (an HL7 EMR keeps one open); called when the processor stops. */
  close?(): Promise<void>;
}

/** Content the target cannot use (no name, no e-mail with the fallback off): the message fails, retrying would not help. */
export class SyncRefused extends Error {
  override name = 'SyncRefused';
}

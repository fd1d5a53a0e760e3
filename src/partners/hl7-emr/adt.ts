import type { Patient } from '@medplum/fhirtypes';
import { pv1Segment } from '../../hl7/segments.js';
import { buildWithStableControlId, changeKeyed, evnFor, mshFor, type BuiltMessage, type Hl7Parties } from './message-header.js';
import { emrPidSegment } from './patient-segment.js';
import { checkPatient } from './content-checks.js';

/**
 * ADT^A04 (register a patient: a new OnCall contact) and ADT^A08 (update patient information),
 * HL7 v2.5.1 ch. 3.3.4 / 3.3.8, both with the ADT_A01 structure: MSH, EVN, PID, PV1. PV1 is
 * required by the structure; with no visit to describe it says patient class N (not applicable).
 */
export type AdtEvent = 'A04' | 'A08';

export interface AdtInput {
  event: AdtEvent;
  patient: Patient;
  /** PID-3 MR value: the EMR id, or the key derived from the OnCall contact URL. */
  patientKey: string;
  /** Names the change (see message-header.ts, changeKeyed): the same for every resend of it. */
  changeKey?: string;
}

export function buildAdt(input: AdtInput, parties: Hl7Parties, now: Date = new Date()): BuiltMessage {
  checkPatient(input.patient, 'patient');
  return buildWithStableControlId(changeKeyed(`patient:${input.patientKey}`, input.changeKey), `ADT^${input.event}`, parties, now, (ctx, controlId) => [
    mshFor(ctx, parties, ['ADT', input.event, 'ADT_A01'], controlId),
    evnFor(ctx, input.event),
    emrPidSegment(ctx, input.patient, input.patientKey),
    pv1Segment(ctx, undefined),
  ]);
}

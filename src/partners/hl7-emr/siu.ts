import type { Appointment, AppointmentParticipant, CodeableConcept, Patient } from '@medplum/fhirtypes';
import type { AppointmentWriteChange } from '../../flows/sync/targets/emr/emr-writer.js';
import { ts, type BuildContext } from '../../hl7/segments.js';
import { appointmentTimes, checkPatient, refused, type AppointmentTimes } from './content-checks.js';
import { buildWithStableControlId, changeKeyed, mshFor, ONCALL_AUTHORITY, type BuiltMessage, type Hl7Parties } from './message-header.js';
import { emrPidSegment } from './patient-segment.js';

/**
 * SIU (HL7 v2.5.1 ch. 10.4, structure SIU_S12) from a canonical FHIR Appointment:
 * MSH, SCH, TQ1, [NTE], PID per patient, RGS, [AIS], [AIL per location], [AIP per practitioner].
 * S12 new, S13 reschedule, S14 modify (a no-show is an S14 with SCH-25 `Noshow`), S15 cancel.
 */
export const SIU_EVENT_BY_CHANGE = {
  new: 'S12',
  reschedule: 'S13',
  modify: 'S14',
  noshow: 'S14',
  cancel: 'S15',
} as const satisfies Record<AppointmentWriteChange, string>;

/** SCH-6 event reason (required; user-defined values): why this message is sent. */
const EVENT_REASON: Record<AppointmentWriteChange, [string, string]> = {
  new: ['NEW', 'New appointment'],
  reschedule: ['RESCHED', 'Appointment rescheduled'],
  modify: ['MODIFY', 'Appointment details changed'],
  noshow: ['NOSHOW', 'Patient did not attend'],
  cancel: ['CANCEL', 'Appointment cancelled'],
};

/** FHIR appointmentstatus -> HL7 table 0278 filler status (SCH-25, AIx filler status). */
const FILLER_STATUS: Partial<Record<NonNullable<Appointment['status']>, string>> = {
  proposed: 'Pending',
  pending: 'Pending',
  booked: 'Booked',
  arrived: 'Started',
  'checked-in': 'Started',
  fulfilled: 'Complete',
  cancelled: 'Cancelled',
  noshow: 'Noshow',
  waitlist: 'Waitlist',
};

export interface SiuPatient {
  patient: Patient;
  /** PID-3 MR value: the patient's key in the EMR (what createPatient returned). */
  key: string;
}

export interface SiuInput {
  change: AppointmentWriteChange;
  appointment: Appointment;
  /** SCH-1 placer appointment id: the OnCall appointment URL. */
  placerId: string;
  /** SCH-2 filler appointment id: the EMR's id, when known. */
  fillerId?: string;
  patients: SiuPatient[];
  /** Names the change (see message-header.ts, changeKeyed): the same for every resend of it. */
  changeKey?: string;
}

export function fillerStatusOf(change: AppointmentWriteChange, status: Appointment['status']): string {
  if (change === 'cancel') return 'Cancelled';
  if (change === 'noshow') return 'Noshow';
  return (status && FILLER_STATUS[status]) || 'Booked';
}

export function buildSiu(input: SiuInput, parties: Hl7Parties, now: Date = new Date()): BuiltMessage {
  const { appointment, change } = input;
  if (input.patients.length === 0) throw refused('appointment has no patient: an SIU needs a PID');
  input.patients.forEach((p, i) => checkPatient(p.patient, `appointment patient ${i + 1}`));
  const times = appointmentTimes(appointment);
  const event = SIU_EVENT_BY_CHANGE[change];
  const status = fillerStatusOf(change, appointment.status);
  const action = change === 'new' ? 'A' : 'U';
  // AIx filler status is the resource's: the patient's no-show leaves the practitioner booked.
  const resourceStatus = status === 'Noshow' ? 'Booked' : status;

  return buildWithStableControlId(changeKeyed(`appointment:${input.placerId}`, input.changeKey), `SIU^${event}`, parties, now, (ctx, controlId) => {
    const { w } = ctx;
    const start = ts(ctx, times.start);
    const practitioners = participants(appointment, 'Practitioner');
    const enteredBy = w.comp(w.esc(parties.sendingApplication));
    const segments = [
      mshFor(ctx, parties, ['SIU', event, 'SIU_S12'], controlId),
      schSegment(ctx, input, times, status, { fillerContact: practitioners[0] ? xcn(ctx, practitioners[0]) : enteredBy, enteredBy }, parties.receivingApplication),
      // TQ1-7/8: where a v2.5+ receiver reads the time first (SCH-11 is kept for older ones).
      w.segment('TQ1', ['1', '', '', '', '', '', start, ts(ctx, times.end)]),
    ];
    if (appointment.comment?.trim()) segments.push(w.segment('NTE', ['1', '', w.esc(appointment.comment)]));
    input.patients.forEach((p, i) => segments.push(emrPidSegment(ctx, p.patient, p.key, i + 1)));
    segments.push(w.segment('RGS', ['1', action]));
    const duration = [String(times.minutes), minutes(ctx)];
    const service = serviceOf(ctx, appointment);
    if (service) segments.push(w.segment('AIS', ['1', action, service, start, '', '', ...duration, '', resourceStatus]));
    participants(appointment, 'Location').forEach((l, i) => {
      const place = w.esc(l.actor?.display?.trim() || l.actor?.identifier?.value || referenceId(l));
      segments.push(w.segment('AIL', [String(i + 1), action, place, '', '', start, '', '', ...duration, '', resourceStatus]));
    });
    practitioners.forEach((p, i) => {
      segments.push(w.segment('AIP', [String(i + 1), action, xcn(ctx, p), '', '', start, '', '', ...duration, '', resourceStatus]));
    });
    return segments;
  });
}

/**
 * SCH-1/2 placer and filler ids (EI: id^namespace), SCH-6 event reason, SCH-7 appointment reason
 * (FHIR R4 binds appointmentType to its table 0276, and the engine's inbound reads it back from
 * there), SCH-8 type, SCH-9/10 duration, SCH-11 timing, SCH-16 filler contact, SCH-20 entered by,
 * SCH-25 filler status.
 */
function schSegment(
  ctx: BuildContext,
  input: SiuInput,
  times: AppointmentTimes,
  status: string,
  people: { fillerContact: string; enteredBy: string },
  emrNamespace: string,
): string {
  const { w } = ctx;
  const { appointment, change } = input;
  const cancelReason = change === 'cancel' ? concept(ctx, appointment.cancelationReason) : '';
  const [reasonCode, reasonText] = EVENT_REASON[change];
  const f: string[] = [];
  f[0] = w.comp(w.esc(input.placerId), ONCALL_AUTHORITY); // SCH-1
  f[1] = input.fillerId ? w.comp(w.esc(input.fillerId), w.esc(emrNamespace)) : ''; // SCH-2
  f[5] = cancelReason || w.comp(reasonCode, w.esc(reasonText)); // SCH-6
  f[6] = concept(ctx, appointment.appointmentType); // SCH-7
  f[7] = w.comp('Normal', 'Routine schedule request', 'HL70277'); // SCH-8
  f[8] = String(times.minutes); // SCH-9
  f[9] = minutes(ctx); // SCH-10
  f[10] = w.comp('', '', '', ts(ctx, times.start), ts(ctx, times.end)); // SCH-11
  f[15] = people.fillerContact; // SCH-16
  f[19] = people.enteredBy; // SCH-20
  f[24] = status; // SCH-25
  return w.segment('SCH', Array.from(f, (v) => v ?? ''));
}

const minutes = (ctx: BuildContext): string => ctx.w.comp('min', 'minutes', 'ISO+');

/** CWE from the first coding (code^display^L for a local code), else the text alone (CWE.9 is v2.5.1 original text). */
function concept(ctx: BuildContext, c: CodeableConcept | undefined): string {
  const { w } = ctx;
  const coding = c?.coding?.find((x) => x.code?.trim());
  if (coding) {
    const system = coding.system === 'http://terminology.hl7.org/CodeSystem/v2-0276' ? 'HL70276' : coding.system ? 'L' : '';
    return w.comp(w.esc(coding.code?.trim()), w.esc(coding.display ?? c?.text), system);
  }
  return c?.text?.trim() ? w.comp('', w.esc(c.text.trim())) : '';
}

/** AIS-3: the service asked for (serviceType), else the appointment's description as text. */
function serviceOf(ctx: BuildContext, a: Appointment): string {
  return concept(ctx, a.serviceType?.[0]) || (a.description?.trim() ? ctx.w.comp('', ctx.w.esc(a.description.trim())) : '');
}

function participants(a: Appointment, type: 'Practitioner' | 'Location'): AppointmentParticipant[] {
  return (a.participant ?? []).filter(
    (p) => p.status !== 'declined' && (p.actor?.type === type || p.actor?.reference?.startsWith(`${type}/`)) && (p.actor.display?.trim() || p.actor.identifier?.value || referenceId(p)),
  );
}

const referenceId = (p: AppointmentParticipant): string => p.actor?.reference?.split('/')[1] ?? '';

/** XCN: id^family (the display name as one piece: OnCall keeps a provider's full name). */
function xcn(ctx: BuildContext, p: AppointmentParticipant): string {
  const { w } = ctx;
  return w.comp(w.esc(p.actor?.identifier?.value ?? referenceId(p)), w.esc(p.actor?.display?.trim()));
}

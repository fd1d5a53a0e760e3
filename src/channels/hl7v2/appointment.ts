import type { Appointment, AppointmentParticipant, CodeableConcept, Identifier } from '@medplum/fhirtypes';
import { HL7_ERROR_CODES } from '../../hl7/ack.js';
import {
  APPOINTMENT_REASON_CODES,
  FILLER_STATUS_TO_APPOINTMENT,
  V2_TABLE_SYSTEM,
  codeableConcept,
  participantStatus,
} from './codes.js';
import { Hl7ContentError, dtmField, missingSegment, requiredFieldMissing, type MappingContext } from './mapping-context.js';
import { emrLocation, mapPid } from './patient.js';
import type { MessageReader, SegmentView } from './reader.js';
import type { AppointmentChange, CanonicalEvent } from './types.js';

/** SIU trigger events this channel accepts, and what each means for the appointment. */
export const SIU_EVENTS = {
  S12: 'new',
  S13: 'reschedule',
  S14: 'modify',
  S15: 'cancel',
  S17: 'delete',
  S26: 'noshow',
} as const satisfies Record<string, AppointmentChange>;

export type SiuEvent = keyof typeof SIU_EVENTS;

type AppointmentEvent = Extract<CanonicalEvent, { type: 'appointment-upsert' }>;

/**
 * SIU (SCH, TQ1, NTE, PID/PV1, RGS, AIS/AIG/AIL/AIP) -> FHIR R4 Appointment. Field by field in
 * docs/hl7v2-to-fhir.md.
 */
export function mapSiu(msg: MessageReader, event: SiuEvent, ctx: MappingContext): AppointmentEvent {
  const sch = msg.first('SCH');
  if (!sch) throw missingSegment('SCH', 'schedule activity information');

  // SCH-2 filler appointment id: the id in the scheduling system (the EMR) that sends SIU.
  const filler = sch.value(2, 1);
  const placer = sch.value(1, 1);
  const emrAppointmentId = filler || placer;
  if (!emrAppointmentId) throw requiredFieldMissing(sch, 2, 'filler appointment id');

  const pids = msg.all('PID');
  if (pids.length === 0) throw missingSegment('PID', 'patient identification');
  const mapped = pids.map((pid) => mapPid(pid, ctx));
  const emrPatientIds = [...new Set(mapped.map((m) => m.emrPatientId))];

  const change = SIU_EVENTS[event];
  const appointment: Appointment = {
    resourceType: 'Appointment',
    status: appointmentStatus(sch, change, ctx),
    participant: [],
  };

  const identifiers: Identifier[] = [];
  if (filler) identifiers.push(appointmentIdentifier(filler, 'FILL', ctx.emrIdSystem));
  if (placer) identifiers.push(appointmentIdentifier(placer, 'PLAC', filler ? undefined : ctx.emrIdSystem));
  appointment.identifier = identifiers;

  // SCH-6 event reason: why this scheduling event happened (for a cancellation, why it was cancelled).
  const eventReason = codeableConcept(sch.repetitions(6)[0]);
  if (eventReason) {
    if (appointment.status === 'cancelled') appointment.cancelationReason = eventReason;
    else appointment.reasonCode = [eventReason];
  }
  // SCH-7 appointment reason (table 0276) is what FHIR R4 binds Appointment.appointmentType to.
  const type = codeableConcept(sch.repetitions(7)[0], (code) =>
    (APPOINTMENT_REASON_CODES as readonly string[]).includes(code.toUpperCase()) ? V2_TABLE_SYSTEM('0276') : undefined,
  );
  if (type) appointment.appointmentType = type;

  const services = live(msg.all('AIS'));
  const serviceTypes = services.map((ais) => codeableConcept(ais.repetitions(3)[0])).filter((c): c is CodeableConcept => c !== undefined);
  if (serviceTypes.length > 0) appointment.serviceType = serviceTypes;
  const description = services[0]?.value(3, 2) || sch.value(7, 2);
  if (description) appointment.description = description;

  const timing = resolveTiming(msg, sch, ctx);
  appointment.start = timing.start;
  appointment.end = timing.end;
  if (timing.minutes !== undefined) appointment.minutesDuration = timing.minutes;

  const comment = notesBeforePatients(msg);
  if (comment) appointment.comment = comment;

  const participants: AppointmentParticipant[] = emrPatientIds.map((id) => ({
    actor: { type: 'Patient', identifier: { system: ctx.emrIdSystem, value: id } },
    status: 'accepted',
  }));
  for (const aip of live(msg.all('AIP'))) participants.push(resourceParticipant(aip, 3, 4, 12, 'Practitioner', personnelDisplay(aip)));
  for (const ail of live(msg.all('AIL'))) participants.push(resourceParticipant(ail, 3, 4, 12, 'Location', locationDisplay(ail)));
  for (const aig of live(msg.all('AIG'))) participants.push(resourceParticipant(aig, 3, 4, 14, undefined, aig.value(3, 2) || aig.value(3, 1)));
  appointment.participant = participants;

  const result: AppointmentEvent = {
    type: 'appointment-upsert',
    emrAppointmentId,
    emrPatientIds,
    appointment,
    change,
    patients: mapped.map((m) => m.patient),
  };
  const location = emrLocation(live(msg.all('AIL'))[0]?.repetitions(3)[0]) ?? emrLocation(msg.first('PV1')?.repetitions(3)[0]);
  if (location) result.emrLocation = location;
  return result;
}

function appointmentIdentifier(value: string, type: 'FILL' | 'PLAC', system: string | undefined): Identifier {
  const id: Identifier = {};
  if (system) id.system = system;
  id.value = value;
  id.type = { coding: [{ system: V2_TABLE_SYSTEM('0203'), code: type }] };
  return id;
}

function appointmentStatus(sch: SegmentView, change: AppointmentChange, ctx: MappingContext): Appointment['status'] {
  if (change === 'cancel' || change === 'delete') return 'cancelled';
  if (change === 'noshow') return 'noshow';
  const code = sch.value(25, 1).toUpperCase();
  if (!code) return 'booked';
  const status = (FILLER_STATUS_TO_APPOINTMENT as Record<string, Appointment['status']>)[code];
  if (status) return status;
  ctx.warnings.push('SCH-25 (filler status) holds a code outside HL7 table 0278: status booked assumed');
  return 'booked';
}

/** Resource segments not being removed (AIx-2 segment action code D = delete). */
function live(segs: SegmentView[]): SegmentView[] {
  return segs.filter((s) => s.value(2).toUpperCase() !== 'D');
}

function resourceParticipant(
  seg: SegmentView,
  idField: number,
  typeField: number,
  statusField: number,
  actorType: 'Practitioner' | 'Location' | undefined,
  display: string,
): AppointmentParticipant {
  const actor: NonNullable<AppointmentParticipant['actor']> = {};
  if (actorType) actor.type = actorType;
  const id = seg.value(idField, 1);
  if (id) actor.identifier = { value: id };
  if (display) actor.display = display;
  const p: AppointmentParticipant = { actor, status: participantStatus(seg.value(statusField, 1)) };
  const role = codeableConcept(seg.repetitions(typeField)[0]);
  if (role) p.type = [role];
  return p;
}

/** XCN: prefix, given, middle, family, suffix. */
function personnelDisplay(aip: SegmentView): string {
  return [aip.value(3, 6), aip.value(3, 3), aip.value(3, 4), aip.value(3, 2, 1), aip.value(3, 5)].filter(Boolean).join(' ');
}

/** PL: facility, point of care, room, bed. */
function locationDisplay(ail: SegmentView): string {
  return [ail.value(3, 4, 1), ail.value(3, 1), ail.value(3, 2), ail.value(3, 3)].filter(Boolean).join(', ');
}

/** NTE-3 of the notes that follow SCH/TQ1, before the first PID (notes about the appointment). */
function notesBeforePatients(msg: MessageReader): string {
  const notes: string[] = [];
  for (const seg of msg.segments) {
    if (seg.name === 'PID' || seg.name === 'RGS') break;
    if (seg.name === 'NTE') {
      const text = seg
        .repetitions(3)
        .map((r) => r.value(1))
        .filter(Boolean)
        .join('\n');
      if (text) notes.push(text);
    }
  }
  return notes.join('\n');
}

interface Timing {
  start: string;
  end: string;
  minutes?: number;
}

interface StartCandidate {
  seg: SegmentView;
  startField: number;
  startComponent: number;
  endField?: number;
  endComponent?: number;
  what: string;
}

/**
 * Start time, in this order: TQ1-7, SCH-11.4, AIS-4, AIG-8, AIL-6, AIP-6. TQ1 comes first
 * because SCH-11 (TQ) is kept for backward compatibility only since v2.5 and withdrawn in
 * v2.7: a v2.5+ sender fills TQ1, an older one SCH-11 (TQ1 does not exist before v2.5).
 * The end is the same source's end (TQ1-8, SCH-11.5); else start + the first duration found
 * (TQ1-13, SCH-9/10, AIS-7/8, AIG-11/12, AIL-9/10, AIP-9/10).
 */
function resolveTiming(msg: MessageReader, sch: SegmentView, ctx: MappingContext): Timing {
  const candidates: StartCandidate[] = [];
  for (const tq1 of msg.all('TQ1')) candidates.push({ seg: tq1, startField: 7, startComponent: 1, endField: 8, endComponent: 1, what: 'start date/time' });
  candidates.push({ seg: sch, startField: 11, startComponent: 4, endField: 11, endComponent: 5, what: 'appointment timing' });
  for (const s of live(msg.all('AIS'))) candidates.push({ seg: s, startField: 4, startComponent: 1, what: 'start date/time' });
  for (const s of live(msg.all('AIG'))) candidates.push({ seg: s, startField: 8, startComponent: 1, what: 'start date/time' });
  for (const s of live(msg.all('AIL'))) candidates.push({ seg: s, startField: 6, startComponent: 1, what: 'start date/time' });
  for (const s of live(msg.all('AIP'))) candidates.push({ seg: s, startField: 6, startComponent: 1, what: 'start date/time' });

  let dateOnly: StartCandidate | undefined;
  for (const c of candidates) {
    const start = dtmField(c.seg, c.startField, c.what, ctx, c.startComponent);
    if (!start) continue;
    if (!start.instant) {
      dateOnly ??= c;
      continue;
    }
    const end = c.endField !== undefined ? dtmField(c.seg, c.endField, 'end date/time', ctx, c.endComponent) : undefined;
    if (end?.instant) {
      const minutes = Math.round((Date.parse(end.instant) - Date.parse(start.instant)) / 60_000);
      if (minutes < 0) throw endBeforeStart(c.seg, c.endField ?? 0, c.endComponent ?? 1);
      return withMinutes(start.instant, end.instant, minutes);
    }
    const minutes = firstDuration(msg, sch, ctx);
    const endInstant = new Date(Date.parse(start.instant) + (minutes ?? 0) * 60_000).toISOString().replace(/\.000Z$/, 'Z');
    return withMinutes(start.instant, endInstant, minutes);
  }
  if (dateOnly) {
    throw new Hl7ContentError({
      code: HL7_ERROR_CODES.dataType.code,
      codeText: HL7_ERROR_CODES.dataType.codeText,
      location: location(dateOnly.seg, dateOnly.startField, dateOnly.startComponent),
      text: `${fieldName(dateOnly.seg, dateOnly.startField, dateOnly.startComponent)} (start) has a date but no time of day`,
    });
  }
  throw requiredFieldMissing(msg.first('TQ1') ?? 'TQ1', 7, 'appointment start date/time; also looked in SCH-11.4, AIS-4, AIG-8, AIL-6, AIP-6');
}

function withMinutes(start: string, end: string, minutes: number | undefined): Timing {
  const t: Timing = { start, end };
  if (minutes !== undefined && minutes > 0) t.minutes = minutes;
  return t;
}

function endBeforeStart(seg: SegmentView, field: number, component: number): Hl7ContentError {
  return new Hl7ContentError({
    code: HL7_ERROR_CODES.dataType.code,
    codeText: HL7_ERROR_CODES.dataType.codeText,
    location: location(seg, field, component),
    text: `${fieldName(seg, field, component)} (end) is before the start`,
  });
}

function location(seg: SegmentView, field: number, component: number): string {
  return component > 1 ? `${seg.location(field)}^1^${component}` : seg.location(field);
}

function fieldName(seg: SegmentView, field: number, component: number): string {
  return component > 1 ? `${seg.name}-${field}.${component}` : `${seg.name}-${field}`;
}

/** Minutes per unit (CE code of SCH-10, AIS-8...; ISO+ / ANSI+ units). Empty unit = minutes. */
const UNIT_MINUTES: Record<string, number> = {
  '': 1,
  S: 1 / 60,
  SEC: 1 / 60,
  MIN: 1,
  M: 1,
  H: 60,
  HR: 60,
  D: 1440,
  WK: 10080,
};

function firstDuration(msg: MessageReader, sch: SegmentView, ctx: MappingContext): number | undefined {
  const sources: [SegmentView | undefined, number, number][] = [
    [sch, 9, 10],
    ...live(msg.all('AIS')).map((s): [SegmentView, number, number] => [s, 7, 8]),
    ...live(msg.all('AIG')).map((s): [SegmentView, number, number] => [s, 11, 12]),
    ...live(msg.all('AIL')).map((s): [SegmentView, number, number] => [s, 9, 10]),
    ...live(msg.all('AIP')).map((s): [SegmentView, number, number] => [s, 9, 10]),
  ];
  // TQ1-13 occurrence duration (CQ: quantity ^ units) comes first.
  const tq1 = msg.first('TQ1');
  if (tq1?.value(13, 1)) {
    const m = toMinutes(tq1.value(13, 1), tq1.value(13, 2, 1), ctx, 'TQ1-13');
    if (m !== undefined) return m;
  }
  for (const [seg, qtyField, unitField] of sources) {
    if (!seg?.value(qtyField)) continue;
    const m = toMinutes(seg.value(qtyField), seg.value(unitField, 1), ctx, `${seg.name}-${qtyField}`);
    if (m !== undefined) return m;
  }
  return undefined;
}

function toMinutes(quantity: string, unit: string, ctx: MappingContext, where: string): number | undefined {
  const q = Number(quantity);
  const factor = UNIT_MINUTES[unit.toUpperCase()];
  if (!Number.isFinite(q) || q < 0 || factor === undefined) {
    ctx.warnings.push(`${where} (duration) is not a number with a known unit: ignored`);
    return undefined;
  }
  return Math.round(q * factor);
}


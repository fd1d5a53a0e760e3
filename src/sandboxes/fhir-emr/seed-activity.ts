import type { Appointment, Encounter, Patient, Practitioner } from '@medplum/fhirtypes';
import { FHIR_EMR_SYSTEMS } from './identifier-systems.js';
import type { Prng } from './prng.js';
import { uuidFromName } from './prng.js';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** Encounter.class codes (v3 ActCode) with the share of visits each gets. */
const ENCOUNTER_CLASSES: readonly (readonly [{ code: string; display: string }, number])[] = [
  [{ code: 'AMB', display: 'ambulatory' }, 70],
  [{ code: 'VR', display: 'virtual' }, 15],
  [{ code: 'EMER', display: 'emergency' }, 10],
  [{ code: 'IMP', display: 'inpatient encounter' }, 5],
];

/** Appointment kinds: service type (FHIR service-type code system), v2-0276 type, length. */
const APPOINTMENT_KINDS = [
  { serviceType: ['124', 'General Practice'], type: 'ROUTINE', description: 'GP consultation', minutes: [15, 20] },
  { serviceType: ['124', 'General Practice'], type: 'FOLLOWUP', description: 'Follow-up video consultation', minutes: [15, 30] },
  { serviceType: ['124', 'General Practice'], type: 'CHECKUP', description: 'Annual health check', minutes: [30, 45] },
  { serviceType: ['57', 'Immunization'], type: 'ROUTINE', description: 'Vaccination', minutes: [10, 15] },
] as const;

// Date.prototype.toISOString dominated seed time; the day part is cached and the clock part
// built by hand (all generated times are whole seconds, UTC).
const dayCache = new Map<number, string>();
const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
function iso(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let d = dayCache.get(day);
  if (d === undefined) {
    d = new Date(day * DAY_MS).toISOString().slice(0, 10);
    dayCache.set(day, d);
  }
  const secs = Math.floor((ms - day * DAY_MS) / 1000);
  return `${d}T${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}Z`;
}

/** A weekday (Mon-Fri) at a quarter-hour between 08:00 and 17:30 UTC, on or near `dayMs`. */
function clinicSlot(prng: Prng, dayMs: number, direction: 1 | -1): number {
  let day = Math.floor(dayMs / DAY_MS) * DAY_MS;
  while ([0, 6].includes(new Date(day).getUTCDay())) day += direction * DAY_MS;
  return day + (8 * 60 + prng.int(0, 38) * 15) * MINUTE_MS;
}

interface ActivityContext {
  patient: Patient;
  practitioner: Practitioner;
  /** Display text for references to the practitioner (computed once per patient). */
  practitionerName: string;
  /** UTC midnight of the day the data is "as of": past/future are relative to it. */
  anchorMs: number;
  nextVisitNumber: () => string;
  nextAppointmentNumber: () => string;
}

/** Last instant the patient could have been seen (death date or the day before the anchor). */
function activityWindow(patient: Patient, anchorMs: number, years: number): [number, number] {
  const birth = Date.parse(patient.birthDate ?? '1970-01-01');
  const death = patient.deceasedDateTime ? Date.parse(patient.deceasedDateTime) : undefined;
  const end = Math.min(death ?? anchorMs, anchorMs) - DAY_MS;
  const start = Math.max(birth, end - years * 365 * DAY_MS);
  return start <= end ? [start, end] : [birth, Math.max(birth, end)];
}

/** 1-3 past encounters per patient (https://hl7.org/fhir/R4/encounter.html). */
export function encountersFor(prng: Prng, ctx: ActivityContext): Encounter[] {
  const [from, to] = activityWindow(ctx.patient, ctx.anchorMs, 5);
  const count = prng.int(1, 3);
  const out: Encounter[] = [];
  for (let k = 0; k < count; k++) {
    const cls = prng.weighted(ENCOUNTER_CLASSES);
    const start = clinicSlot(prng, from + prng.next() * (to - from), -1);
    const lengthMs =
      cls.code === 'IMP'
        ? prng.int(1, 5) * DAY_MS
        : cls.code === 'EMER'
          ? prng.int(2, 8) * 60 * MINUTE_MS
          : prng.int(1, 4) * 15 * MINUTE_MS;
    const cancelled = prng.chance(0.05);
    const end = start + lengthMs;
    out.push({
      resourceType: 'Encounter',
      id: uuidFromName(`encounter:${ctx.patient.id}:${k}`),
      meta: { versionId: '1', lastUpdated: iso(Math.min(end + 2 * 60 * MINUTE_MS, ctx.anchorMs)) },
      identifier: [
        {
          use: 'official',
          type: { coding: [{ system: FHIR_EMR_SYSTEMS.identifierType, code: 'VN', display: 'Visit number' }] },
          system: FHIR_EMR_SYSTEMS.visitNumber,
          value: ctx.nextVisitNumber(),
        },
      ],
      status: cancelled ? 'cancelled' : 'finished',
      class: { system: FHIR_EMR_SYSTEMS.actCode, code: cls.code, display: cls.display },
      subject: { reference: `Patient/${ctx.patient.id}` },
      participant: [
        {
          type: [{ coding: [{ system: FHIR_EMR_SYSTEMS.participationType, code: 'PPRF', display: 'primary performer' }] }],
          individual: {
            reference: `Practitioner/${ctx.practitioner.id}`,
            display: ctx.practitionerName,
          },
        },
      ],
      period: cancelled ? { start: iso(start) } : { start: iso(start), end: iso(end) },
    });
  }
  return out;
}

/**
 * 1-3 appointments per patient (https://hl7.org/fhir/R4/appointment.html): for living
 * patients about half are in the 90 days after the anchor (booked or cancelled), the rest in
 * the past two years (fulfilled or cancelled). Deceased patients only have past ones.
 */
export function appointmentsFor(prng: Prng, ctx: ActivityContext): Appointment[] {
  const [from, to] = activityWindow(ctx.patient, ctx.anchorMs, 2);
  const alive = !ctx.patient.deceasedDateTime;
  const count = prng.int(1, 3);
  const out: Appointment[] = [];
  for (let k = 0; k < count; k++) {
    const future = alive && prng.chance(0.5);
    const kind = prng.pick(APPOINTMENT_KINDS);
    const minutes = prng.pick(kind.minutes);
    const start = future
      ? clinicSlot(prng, ctx.anchorMs + prng.int(1, 90) * DAY_MS, 1)
      : clinicSlot(prng, from + prng.next() * (to - from), -1);
    const end = start + minutes * MINUTE_MS;
    const cancelled = prng.chance(0.15);
    const status = cancelled ? 'cancelled' : future ? 'booked' : 'fulfilled';
    const created = Math.min(start - prng.int(1, 60) * DAY_MS, ctx.anchorMs - DAY_MS);
    const lastUpdated = future || cancelled ? created + prng.int(0, 12) * 60 * MINUTE_MS : end + 30 * MINUTE_MS;
    const appointment: Appointment = {
      resourceType: 'Appointment',
      id: uuidFromName(`appointment:${ctx.patient.id}:${k}`),
      meta: { versionId: '1', lastUpdated: iso(Math.min(lastUpdated, ctx.anchorMs)) },
      identifier: [{ system: FHIR_EMR_SYSTEMS.appointmentId, value: ctx.nextAppointmentNumber() }],
      status,
      serviceType: [
        { coding: [{ system: FHIR_EMR_SYSTEMS.serviceType, code: kind.serviceType[0], display: kind.serviceType[1] }] },
      ],
      appointmentType: { coding: [{ system: FHIR_EMR_SYSTEMS.appointmentType, code: kind.type }] },
      description: kind.description,
      start: iso(start),
      end: iso(end),
      minutesDuration: minutes,
      created: iso(created),
      participant: [
        {
          actor: { reference: `Patient/${ctx.patient.id}` },
          required: 'required',
          status: 'accepted',
        },
        {
          actor: { reference: `Practitioner/${ctx.practitioner.id}`, display: ctx.practitionerName },
          required: 'required',
          status: 'accepted',
        },
      ],
    };
    if (cancelled) appointment.cancelationReason = { text: prng.pick(['Patient request', 'Clinician unavailable', 'Rescheduled']) };
    out.push(appointment);
  }
  return out;
}

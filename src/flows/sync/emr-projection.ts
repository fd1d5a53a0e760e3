import type { Appointment, ContactPoint, HumanName, Patient } from '@medplum/fhirtypes';
import { APPOINTMENT_TYPE_BY_CODE } from '../../partners/oncall/mapping.js';
import { projectionHash } from '../../links/link-store.js';

/**
 * What the EMR holds of a record that a platform can change too (issue 9, echo suppression and
 * ownership): coarse, normalised fields, so the same person read from the EMR and read back from
 * OnCall projects the same way. Both directions store its hash on the reverse link row (source
 * `oncall`, target `emr`): the EMR target after it wrote to the EMR, the OnCall target after it
 * applied an EMR event. A platform record whose projection hashes the same is an echo (or
 * nothing the EMR holds changed) and makes no EMR write.
 */
export interface EmrPatientProjection {
  family?: string;
  given?: string;
  birthDate?: string;
  gender?: string;
  email?: string;
  phone?: string;
}

export interface EmrAppointmentProjection {
  /** UTC ISO to the minute (`2026-01-15T09:30Z`): seconds and offsets are noise between systems. */
  start?: string;
  end?: string;
  /** booked | cancelled | noshow | fulfilled */
  status?: string;
  /** online | inperson | phone | message, when a code says so (APPOINTMENT_TYPE_BY_CODE). */
  type?: string;
}

export const PATIENT_FIELDS = ['family', 'given', 'birthDate', 'gender', 'email', 'phone'] as const satisfies readonly (keyof EmrPatientProjection)[];
export type PatientField = (typeof PATIENT_FIELDS)[number];
export const APPOINTMENT_FIELDS = ['start', 'end', 'status', 'type'] as const satisfies readonly (keyof EmrAppointmentProjection)[];
export type AppointmentField = (typeof APPOINTMENT_FIELDS)[number];

const clean = (v: string | undefined): string | undefined => {
  const s = v?.trim().replace(/\s+/g, ' ').toLowerCase();
  return s ? s : undefined;
};

/** official, then usual, then any name not ended (as the OnCall mapping picks it). */
function mainName(names: HumanName[] | undefined): HumanName | undefined {
  const live = (names ?? []).filter((n) => n.use !== 'old' && !n.period?.end);
  return live.find((n) => n.use === 'official') ?? live.find((n) => n.use === 'usual') ?? live[0];
}

function firstTelecom(telecom: ContactPoint[] | undefined, systems: string[]): string | undefined {
  const live = (telecom ?? []).filter((t) => t.system && systems.includes(t.system) && t.value?.trim() && t.use !== 'old' && !t.period?.end);
  live.sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity));
  return live[0]?.value;
}

export function emrPatientProjection(p: Patient): EmrPatientProjection {
  const name = mainName(p.name);
  const out: EmrPatientProjection = {};
  const family = clean(name?.family);
  const given = clean((name?.given ?? []).join(' '));
  if (family) out.family = family;
  if (given) out.given = given;
  if (p.birthDate?.trim()) out.birthDate = p.birthDate.trim();
  // `unknown` says nothing: OnCall reads an empty or odd sex as unknown.
  if (p.gender && p.gender !== 'unknown') out.gender = p.gender;
  const email = clean(firstTelecom(p.telecom, ['email']));
  if (email) out.email = email;
  const phone = firstTelecom(p.telecom, ['phone', 'sms'])?.replace(/\D/g, '');
  if (phone) out.phone = phone;
  return out;
}

/** To the minute, in UTC; undefined when unreadable. */
function minute(iso: string | undefined): string | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return undefined;
  return `${new Date(t).toISOString().slice(0, 16)}Z`;
}

/** FHIR Appointment.status folded to what OnCall can say (https://hl7.org/fhir/R4/valueset-appointmentstatus.html). */
function coarseStatus(s: Appointment['status'] | undefined): string | undefined {
  if (!s) return undefined;
  if (s === 'cancelled' || s === 'entered-in-error') return 'cancelled';
  if (s === 'noshow') return 'noshow';
  if (s === 'fulfilled') return 'fulfilled';
  return 'booked';
}

function visitType(a: Appointment): string | undefined {
  const codes = [...(a.appointmentType?.coding ?? []), ...(a.serviceType ?? []).flatMap((c) => c.coding ?? [])].map((c) => c.code?.trim().toLowerCase());
  for (const code of codes) {
    if (code && code in APPOINTMENT_TYPE_BY_CODE) return APPOINTMENT_TYPE_BY_CODE[code as keyof typeof APPOINTMENT_TYPE_BY_CODE];
  }
  return undefined;
}

export function emrAppointmentProjection(a: Appointment): EmrAppointmentProjection {
  const out: EmrAppointmentProjection = {};
  const start = minute(a.start);
  if (start) out.start = start;
  const end = minute(a.end) ?? (a.start && a.minutesDuration ? minute(new Date(Date.parse(a.start) + a.minutesDuration * 60_000).toISOString()) : undefined);
  if (end) out.end = end;
  const status = coarseStatus(a.status);
  if (status) out.status = status;
  const type = visitType(a);
  if (type) out.type = type;
  return out;
}

export const emrPatientHash = (p: Patient): string => projectionHash(emrPatientProjection(p));
export const emrAppointmentHash = (a: Appointment): string => projectionHash(emrAppointmentProjection(a));

/**
 * Fields where the platform's value differs from the EMR's. A field the platform does not have
 * is not a difference (OnCall's silence never erases what the EMR holds); `onlyBoth` also skips
 * fields the EMR lacks (an appointment type the EMR codes its own way).
 */
export function differingFields<T extends object>(platform: T, emr: T, fields: readonly (keyof T & string)[], onlyBoth: readonly string[] = []): (keyof T & string)[] {
  return fields.filter((f) => {
    const p = platform[f];
    const e = emr[f];
    if (p === undefined) return false;
    if (e === undefined && onlyBoth.includes(f)) return false;
    return p !== e;
  });
}

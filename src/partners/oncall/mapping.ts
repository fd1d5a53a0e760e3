import type {
  Appointment,
  AppointmentParticipant,
  CodeableConcept,
  ContactPoint,
  HumanName,
  Identifier,
  Patient,
} from '@medplum/fhirtypes';
import { IDENTIFIER_SYSTEMS } from '../../domain/identifiers.js';
import { ONCALL_ASSUMPTIONS } from './config.js';
import type {
  Appointment as OncallAppointment,
  AppointmentCreate,
  AppointmentPatch,
  AppointmentType,
  Contact,
  ContactCreate,
  ContactPatch,
  CustomFieldValue,
  Metadata,
  Participant,
  ParticipantCreate,
  ParticipantPatch,
} from './schemas.js';

/**
 * Canonical FHIR R4 (Patient, Appointment) <-> OnCall Health (roster contact, appointment).
 * FHIR: https://hl7.org/fhir/R4/patient.html, https://hl7.org/fhir/R4/appointment.html.
 * OnCall: oncall-patient-sync-guide.txt and partner-apis.md ("OnCall Health").
 *
 * The EMR id travels in a roster custom field (contacts) or a metadata key (appointments),
 * as both guides recommend, so records can be matched again after a lost answer or a re-import.
 */

/** A record that cannot be expressed for OnCall. Names the missing FHIR element, never a value. */
export class OncallMappingError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'OncallMappingError';
  }
}

/** Our code system for OnCall's appointment types, used when converting OnCall -> FHIR. */
export const ONCALL_APPOINTMENT_TYPE_SYSTEM = 'urn:ehr-bridge:oncall-appointment-type';

/**
 * FHIR codes (any of appointmentType, serviceType, serviceCategory; matched case-insensitively)
 * that say how a visit happens. HL7 v3 ParticipationMode
 * (http://terminology.hl7.org/CodeSystem/v3-ParticipationMode) plus words EMR exports use.
 */
export const APPOINTMENT_TYPE_BY_CODE = {
  // v3-ParticipationMode
  videoconf: 'online',
  face: 'inperson',
  phone: 'phone',
  onlinewrit: 'message',
  emailwrit: 'message',
  // OnCall's own words (ONCALL_APPOINTMENT_TYPE_SYSTEM) and common export values
  online: 'online',
  video: 'online',
  virtual: 'online',
  telehealth: 'online',
  inperson: 'inperson',
  'in-person': 'inperson',
  office: 'inperson',
  clinic: 'inperson',
  telephone: 'phone',
  message: 'message',
  chat: 'message',
} as const satisfies Record<string, AppointmentType>;

// ---- small FHIR helpers ------------------------------------------------------------------

function identifierValue(identifiers: Identifier[] | undefined, system: string): string | undefined {
  return identifiers?.find((i) => i.system === system && i.value)?.value?.trim() || undefined;
}

/** official, then usual, then any name that is not old. */
function pickName(names: HumanName[] | undefined): HumanName | undefined {
  const live = (names ?? []).filter((n) => n.use !== 'old' && !n.period?.end);
  return live.find((n) => n.use === 'official') ?? live.find((n) => n.use === 'usual') ?? live[0];
}

function nameParts(n: HumanName | undefined): { full?: string; first?: string; last?: string } {
  if (!n) return {};
  const first = (n.given ?? []).map((g) => g.trim()).filter(Boolean).join(' ') || undefined;
  const last = n.family?.trim() || undefined;
  const full = n.text?.trim() || [first, last].filter(Boolean).join(' ') || undefined;
  return { full, first, last };
}

/** Best contact point of a system: not old or ended, lowest rank, `prefer` use first. */
function pickTelecom(telecom: ContactPoint[] | undefined, system: 'email' | 'phone', prefer?: string): string | undefined {
  const candidates = (telecom ?? [])
    .filter((t) => (t.system === system || (system === 'phone' && t.system === 'sms')) && t.value?.trim())
    .filter((t) => t.use !== 'old' && !t.period?.end)
    .sort((a, b) => {
      const pa = prefer && a.use === prefer ? 0 : 1;
      const pb = prefer && b.use === prefer ? 0 : 1;
      return pa - pb || (a.rank ?? Infinity) - (b.rank ?? Infinity);
    });
  return candidates[0]?.value?.trim();
}

const FULL_DATE = /^\d{4}-\d{2}-\d{2}$/;

type Gender = NonNullable<Patient['gender']>;

function sexFromGender(gender: Patient['gender']): string | undefined {
  return gender ? ONCALL_ASSUMPTIONS.sexByFhirGender[gender] : undefined;
}

function genderFromSex(sex: string | null | undefined): Gender | undefined {
  if (!sex) return undefined;
  const wanted = sex.trim().toLowerCase();
  const entries = Object.entries(ONCALL_ASSUMPTIONS.sexByFhirGender) as Array<[Gender, string]>;
  return entries.find(([, v]) => v.toLowerCase() === wanted)?.[0] ?? 'unknown';
}

// ---- Patient <-> roster contact ----------------------------------------------------------

export interface ContactMappingContext {
  /** Division URL the contact belongs to (required by OnCall). */
  division: string;
  /** Provider URL the contact belongs to (required by OnCall). */
  provider: string;
  /** Id of the roster custom field ("EMR id") that holds the EMR id. */
  emrIdFieldId: string;
  /** Other custom field values to write (id -> text or checkbox). */
  customFields?: Record<string, string | boolean>;
  /** Free-form notes; FHIR Patient has no element for them. */
  notes?: string;
}

export function patientToContactCreate(patient: Patient, ctx: ContactMappingContext): ContactCreate {
  const emrId = identifierValue(patient.identifier, IDENTIFIER_SYSTEMS.emr);
  if (!emrId) {
    throw new OncallMappingError('identifier', `Patient has no identifier with system ${IDENTIFIER_SYSTEMS.emr}`);
  }
  const { full, first, last } = nameParts(pickName(patient.name));
  if (!full) throw new OncallMappingError('name', 'Patient has no usable name');

  const out: ContactCreate = { division: ctx.division, provider: ctx.provider, name: full };
  if (first) out.first_name = first;
  if (last) out.last_name = last;
  const email = pickTelecom(patient.telecom, 'email');
  if (email) out.email = email;
  const phone = pickTelecom(patient.telecom, 'phone', 'mobile');
  if (phone) out.phone = phone;
  const sex = sexFromGender(patient.gender);
  if (sex) out.sex = sex;
  // FHIR allows YYYY or YYYY-MM; OnCall wants a full date, so a partial one is left out.
  if (patient.birthDate && FULL_DATE.test(patient.birthDate)) out.date_of_birth = patient.birthDate;
  if (ctx.notes) out.notes = ctx.notes;
  out.custom_field_values = { ...(ctx.customFields ?? {}), [ctx.emrIdFieldId]: emrId };
  return out;
}

export function contactToPatient(contact: Contact, emrIdFieldId: string): Patient {
  const identifier: Identifier[] = [];
  const emrId = contact.custom_field_values?.[emrIdFieldId];
  if (typeof emrId === 'string' && emrId.trim()) identifier.push({ system: IDENTIFIER_SYSTEMS.emr, value: emrId.trim() });
  identifier.push({ system: IDENTIFIER_SYSTEMS.oncallUrl, value: contact.url });

  const patient: Patient = { resourceType: 'Patient', identifier };
  const name: HumanName = { use: 'official' };
  if (contact.name) name.text = contact.name;
  if (contact.first_name) name.given = [contact.first_name];
  if (contact.last_name) name.family = contact.last_name;
  if (name.text || name.given || name.family) patient.name = [name];

  const telecom: ContactPoint[] = [];
  if (contact.email) telecom.push({ system: 'email', value: contact.email });
  if (contact.phone) telecom.push({ system: 'phone', value: contact.phone });
  if (telecom.length) patient.telecom = telecom;

  const gender = genderFromSex(contact.sex);
  if (gender) patient.gender = gender;
  if (contact.date_of_birth) patient.birthDate = contact.date_of_birth;
  return patient;
}

// ---- comparison helpers for patches --------------------------------------------------------

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : v == null ? '' : String(v));
const lower = (v: unknown) => text(v).toLowerCase();
const digits = (v: unknown) => text(v).replace(/\D/g, '');
/** Relations come back as URLs on the partner's host; compare `/divisions/123/`. */
const resourcePath = (v: unknown) => {
  const s = text(v);
  const m = /\/(?:providers|divisions|contacts|appointments|participants)\/[^/?#]+\/?/.exec(s);
  return m ? m[0].replace(/\/?$/, '/') : s;
};
const instant = (v: unknown) => {
  const t = Date.parse(text(v));
  return Number.isNaN(t) ? text(v) : String(t);
};

type Comparator = (v: unknown) => string;

const CONTACT_COMPARATORS = {
  division: resourcePath,
  provider: resourcePath,
  name: text,
  first_name: text,
  last_name: text,
  email: lower,
  phone: digits,
  notes: text,
  sex: lower,
  date_of_birth: text,
} as const satisfies Partial<Record<keyof ContactCreate, Comparator>>;

/**
 * The PATCH that makes `existing` match `wanted`, or null. Only keys present in `wanted` are
 * considered: something the EMR did not send (a phone staff added in OnCall) is left alone.
 */
export function contactPatchFor(existing: Contact, wanted: ContactCreate): ContactPatch | null {
  const patch: ContactPatch = {};
  for (const [key, same] of Object.entries(CONTACT_COMPARATORS) as Array<[keyof typeof CONTACT_COMPARATORS, Comparator]>) {
    if (!(key in wanted) || wanted[key] === undefined) continue;
    if (same(existing[key]) !== same(wanted[key])) (patch as Record<string, unknown>)[key] = wanted[key];
  }
  if (wanted.custom_field_values) {
    const current = existing.custom_field_values ?? {};
    const changed: Record<string, CustomFieldValue> = {};
    for (const [id, value] of Object.entries(wanted.custom_field_values)) {
      const now = current[id];
      const equal = typeof value === 'boolean' ? now === value : text(now) === text(value);
      if (!equal) changed[id] = value;
    }
    if (Object.keys(changed).length > 0) {
      patch.custom_field_values = ONCALL_ASSUMPTIONS.contactCustomFieldsPatchMerges
        ? changed
        : { ...writableCustomFields(current), ...changed };
    }
  }
  return Object.keys(patch).length > 0 ? patch : null;
}

function writableCustomFields(values: Record<string, CustomFieldValue | null>): Record<string, CustomFieldValue> {
  const out: Record<string, CustomFieldValue> = {};
  for (const [k, v] of Object.entries(values)) if (v !== null) out[k] = v;
  return out;
}

// ---- Appointment <-> OnCall appointment ----------------------------------------------------

export interface AppointmentMappingContext {
  division: string;
  /** Provider URL; OnCall defaults to the provider owning the API key. */
  provider?: string;
  /** Metadata key holding the EMR id. Default 'emr_id'. */
  emrIdMetadataKey?: string;
  /** Fee for every participant. Default 0. */
  fee?: number;
  /** Extra metadata to write (flat; see MetadataSchema limits). */
  metadata?: Metadata;
}

/** Reads the visit mode from the first recognised code; defaults to the documented assumption. */
export function appointmentTypeOf(appt: Appointment): AppointmentType {
  const concepts: CodeableConcept[] = [
    ...(appt.appointmentType ? [appt.appointmentType] : []),
    ...(appt.serviceType ?? []),
    ...(appt.serviceCategory ?? []),
  ];
  for (const c of concepts) {
    for (const code of [...(c.coding ?? []).map((x) => x.code), c.text]) {
      const key = code?.trim().toLowerCase();
      if (key && key in APPOINTMENT_TYPE_BY_CODE) return APPOINTMENT_TYPE_BY_CODE[key as keyof typeof APPOINTMENT_TYPE_BY_CODE];
    }
  }
  return ONCALL_ASSUMPTIONS.defaultAppointmentType;
}

/**
 * Patients of the appointment: those given by the caller (already resolved), otherwise the
 * contained Patients its participants point to (`#id`), otherwise every contained Patient.
 */
function patientsOf(appt: Appointment, given: Patient[] | undefined): Patient[] {
  if (given && given.length > 0) return given;
  const contained = (appt.contained ?? []).filter((r): r is Patient => r.resourceType === 'Patient');
  const refs = (appt.participant ?? [])
    .map((p) => p.actor?.reference)
    .filter((r): r is string => typeof r === 'string' && r.startsWith('#'));
  if (refs.length === 0) return contained;
  return refs.map((r) => contained.find((p) => p.id === r.slice(1))).filter((p): p is Patient => p !== undefined);
}

function toUtcIso(value: string, field: string): string {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new OncallMappingError(field, `Appointment.${field} is not a date-time`);
  return new Date(t).toISOString().replace(/\.000Z$/, 'Z');
}

export function appointmentToOncall(
  appt: Appointment,
  participants: Patient[] | undefined,
  ctx: AppointmentMappingContext,
): AppointmentCreate {
  const key = ctx.emrIdMetadataKey ?? ONCALL_ASSUMPTIONS.defaultEmrIdMetadataKey;
  const emrId = identifierValue(appt.identifier, IDENTIFIER_SYSTEMS.emr);
  if (!emrId) {
    throw new OncallMappingError('identifier', `Appointment has no identifier with system ${IDENTIFIER_SYSTEMS.emr}`);
  }
  const type = appointmentTypeOf(appt);

  let duration = appt.minutesDuration;
  if (duration === undefined && appt.start && appt.end) {
    duration = Math.round((Date.parse(appt.end) - Date.parse(appt.start)) / 60_000);
  }
  if (duration === undefined || !Number.isFinite(duration) || duration <= 0) {
    throw new OncallMappingError('minutesDuration', 'Appointment has neither minutesDuration nor a start and end');
  }
  if (!appt.start && type !== 'message') {
    throw new OncallMappingError('start', 'Appointment has no start (required unless it is a message)');
  }

  const patients = patientsOf(appt, participants);
  if (patients.length === 0) throw new OncallMappingError('participant', 'Appointment has no patient participant');
  const fee = ctx.fee ?? ONCALL_ASSUMPTIONS.defaultParticipantFee;
  const people: ParticipantCreate[] = patients.map((p, i) => {
    const { full, first, last } = nameParts(pickName(p.name));
    if (!full) throw new OncallMappingError(`participant[${i}].name`, 'A participant Patient has no usable name');
    const out: ParticipantCreate = { name: full, fee };
    const email = pickTelecom(p.telecom, 'email');
    if (email) out.email = email;
    if (first) out.first_name = first;
    if (last) out.last_name = last;
    return out;
  });

  const title =
    appt.description?.trim() ||
    appt.serviceType?.[0]?.text?.trim() ||
    appt.serviceType?.[0]?.coding?.[0]?.display?.trim() ||
    ONCALL_ASSUMPTIONS.defaultAppointmentTitle;

  const out: AppointmentCreate = {
    title,
    duration: Math.round(duration),
    type,
    division: ctx.division,
    participants: people,
    metadata: { ...(ctx.metadata ?? {}), [key]: emrId },
  };
  if (appt.start) out.datetime = toUtcIso(appt.start, 'start');
  if (ctx.provider) out.provider = ctx.provider;
  if (appt.status === 'cancelled') out.cancelled = true;
  return out;
}

const FHIR_STATUS_BY_ONCALL_STATUS: Record<string, Appointment['status']> = {
  complete: 'fulfilled',
  completed: 'fulfilled',
  cancelled: 'cancelled',
  'no-show': 'noshow',
  noshow: 'noshow',
};

export function oncallToAppointment(
  appt: OncallAppointment,
  emrIdMetadataKey: string = ONCALL_ASSUMPTIONS.defaultEmrIdMetadataKey,
): Appointment {
  const identifier: Identifier[] = [{ system: IDENTIFIER_SYSTEMS.oncallUrl, value: appt.url }];
  const emrId = appt.metadata?.[emrIdMetadataKey];
  if ((typeof emrId === 'string' && emrId) || typeof emrId === 'number') {
    identifier.unshift({ system: IDENTIFIER_SYSTEMS.emr, value: String(emrId) });
  }
  const status: Appointment['status'] = appt.cancelled
    ? 'cancelled'
    : (FHIR_STATUS_BY_ONCALL_STATUS[lower(appt.status)] ?? 'booked');

  const contained: Patient[] = [];
  const participant: AppointmentParticipant[] = [];
  (appt.participants ?? []).forEach((p, i) => {
    const id = `p${i + 1}`;
    contained.push(participantToPatient(p, id));
    participant.push({
      actor: { reference: `#${id}`, ...(p.name ? { display: p.name } : {}) },
      status: p.cancelled ? 'declined' : 'accepted',
    });
  });

  const out: Appointment = { resourceType: 'Appointment', identifier, status, participant };
  if (contained.length) out.contained = contained;
  if (appt.title) out.description = appt.title;
  if (appt.type) out.appointmentType = { coding: [{ system: ONCALL_APPOINTMENT_TYPE_SYSTEM, code: appt.type }] };
  if (appt.datetime) {
    out.start = toUtcIso(appt.datetime, 'start');
    if (appt.duration) out.end = toUtcIso(new Date(Date.parse(appt.datetime) + appt.duration * 60_000).toISOString(), 'end');
  }
  if (appt.duration) out.minutesDuration = appt.duration;
  return out;
}

function participantToPatient(p: Participant, id: string): Patient {
  const patient: Patient = { resourceType: 'Patient', id, identifier: [{ system: IDENTIFIER_SYSTEMS.oncallUrl, value: p.url }] };
  const name: HumanName = {};
  if (p.name) name.text = p.name;
  if (p.first_name) name.given = [p.first_name];
  if (p.last_name) name.family = p.last_name;
  if (name.text || name.given || name.family) patient.name = [name];
  if (p.email) patient.telecom = [{ system: 'email', value: p.email }];
  return patient;
}

export interface AppointmentChanges {
  /** PATCH for /appointments/{id}/, or null. */
  appointment: AppointmentPatch | null;
  /** PATCHes for /participants/{id}/ (changed details; `cancelled: true` for removed people). */
  participants: Array<{ url: string; patch: ParticipantPatch }>;
  /** Wanted participants with no counterpart: the documented API cannot add them by PATCH. */
  participantsToAdd: ParticipantCreate[];
}

const APPOINTMENT_COMPARATORS = {
  title: text,
  datetime: instant,
  duration: (v: unknown) => text(v),
  type: lower,
  division: resourcePath,
  provider: resourcePath,
} as const satisfies Partial<Record<keyof AppointmentPatch, Comparator>>;

/** What to PATCH so `existing` matches `wanted`; null when nothing differs. */
export function appointmentPatchFor(existing: OncallAppointment, wanted: AppointmentCreate): AppointmentChanges | null {
  const patch: AppointmentPatch = {};
  for (const [key, same] of Object.entries(APPOINTMENT_COMPARATORS) as Array<[keyof typeof APPOINTMENT_COMPARATORS, Comparator]>) {
    if (wanted[key] === undefined) continue;
    if (same(existing[key]) !== same(wanted[key])) (patch as Record<string, unknown>)[key] = wanted[key];
  }
  if ((wanted.cancelled ?? false) !== (existing.cancelled ?? false)) patch.cancelled = wanted.cancelled ?? false;

  if (wanted.metadata) {
    const current = writableMetadata(existing.metadata);
    const changed = Object.entries(wanted.metadata).filter(([k, v]) => current[k] !== v);
    if (changed.length > 0) {
      patch.metadata = ONCALL_ASSUMPTIONS.appointmentMetadataPatchReplaces
        ? { ...current, ...Object.fromEntries(changed) }
        : Object.fromEntries(changed);
    }
  }

  const { participants, participantsToAdd } = participantChanges(existing.participants ?? [], wanted.participants);
  const appointment = Object.keys(patch).length > 0 ? patch : null;
  if (!appointment && participants.length === 0 && participantsToAdd.length === 0) return null;
  return { appointment, participants, participantsToAdd };
}

function writableMetadata(m: Record<string, unknown> | null | undefined): Metadata {
  const out: Metadata = {};
  for (const [k, v] of Object.entries(m ?? {})) {
    if (v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isInteger(v))) out[k] = v;
  }
  return out;
}

/**
 * Pairs wanted and existing participants by e-mail, then the rest by position, so a changed
 * e-mail is patched rather than treated as a new person. Existing people left unpaired were
 * removed in the EMR: they are cancelled, never deleted (the API has no delete).
 */
function participantChanges(
  existing: Participant[],
  wanted: ParticipantCreate[],
): Pick<AppointmentChanges, 'participants' | 'participantsToAdd'> {
  const free = existing.filter((p) => !p.cancelled);
  const pairs: Array<[Participant, ParticipantCreate]> = [];
  const unpaired: ParticipantCreate[] = [];
  for (const w of wanted) {
    const i = w.email ? free.findIndex((p) => lower(p.email) === lower(w.email)) : -1;
    if (i >= 0) pairs.push([free.splice(i, 1)[0]!, w]);
    else unpaired.push(w);
  }
  const participantsToAdd: ParticipantCreate[] = [];
  for (const w of unpaired) {
    const byPosition = free.shift();
    if (byPosition) pairs.push([byPosition, w]);
    else participantsToAdd.push(w);
  }

  const participants: AppointmentChanges['participants'] = [];
  for (const [have, want] of pairs) {
    const patch: ParticipantPatch = {};
    if (text(have.name) !== text(want.name)) patch.name = want.name;
    if (want.email !== undefined && lower(have.email) !== lower(want.email)) patch.email = want.email ?? null;
    if (want.first_name !== undefined && text(have.first_name) !== text(want.first_name)) patch.first_name = want.first_name ?? null;
    if (want.last_name !== undefined && text(have.last_name) !== text(want.last_name)) patch.last_name = want.last_name ?? null;
    if (Number(have.fee ?? 0) !== want.fee) patch.fee = want.fee;
    if (Object.keys(patch).length > 0) participants.push({ url: have.url, patch });
  }
  for (const gone of free) participants.push({ url: gone.url, patch: { cancelled: true } });
  return { participants, participantsToAdd };
}

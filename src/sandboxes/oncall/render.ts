import { APPOINTMENT_STATUS, CUSTOM_FIELD_NAMES_ONLY_WITH_VALUES } from './assumptions.js';
import { formatDatetime } from './field-checks.js';
import { resourceUrl } from './resource-urls.js';
import type { Appointment, Contact, Division, OncallStore, Participant, Provider } from './store.js';

/**
 * Stored objects → API JSON, with every URL built from the base the request was served on.
 * Key order follows the seed guide's sample responses.
 */

export function renderDivision(d: Division, base: string) {
  return { url: resourceUrl(base, 'divisions', d.id), name: d.name };
}

export function renderProvider(p: Provider, base: string) {
  return {
    url: resourceUrl(base, 'providers', p.id),
    full_name: p.fullName,
    email: p.email,
    memberships: p.divisionIds.map((id) => resourceUrl(base, 'divisions', id)),
  };
}

export function renderContact(c: Contact, base: string, store: OncallStore) {
  const names: Record<string, string> = Object.create(null) as Record<string, string>;
  if (CUSTOM_FIELD_NAMES_ONLY_WITH_VALUES) {
    for (const key of Object.keys(c.customValues)) {
      const field = store.customFields.get(Number(key));
      if (field) names[key] = field.label;
    }
  } else {
    for (const field of store.customFields.values()) {
      if (field.divisionId === c.divisionId && field.active) names[String(field.id)] = field.label;
    }
  }
  return {
    id: c.id,
    division: resourceUrl(base, 'divisions', c.divisionId),
    provider: resourceUrl(base, 'providers', c.providerId),
    url: resourceUrl(base, 'contacts', c.id),
    name: c.name,
    first_name: c.firstName,
    last_name: c.lastName,
    email: c.email,
    phone: c.phone,
    notes: c.notes,
    sex: c.sex,
    date_of_birth: c.dateOfBirth,
    appointments: `${resourceUrl(base, 'contacts', c.id)}appointments/`,
    custom_field_names: names,
    custom_field_values: c.customValues,
  };
}

export function renderParticipant(p: Participant, base: string) {
  return {
    url: resourceUrl(base, 'participants', p.id),
    appointment: resourceUrl(base, 'appointments', p.appointmentId),
    name: p.name,
    first_name: p.firstName,
    last_name: p.lastName,
    email: p.email,
    fee: p.fee,
    cancelled: p.cancelled,
    user_id: p.userId,
  };
}

/** Read-only status, derived (assumptions.ts APPOINTMENT_STATUS). */
export function appointmentStatus(a: Appointment, now: number): string {
  if (a.cancelled) return APPOINTMENT_STATUS.cancelled;
  if (a.datetime !== null && a.datetime + a.duration * 60_000 <= now) return APPOINTMENT_STATUS.complete;
  return APPOINTMENT_STATUS.upcoming;
}

export function renderAppointment(a: Appointment, base: string, store: OncallStore, now = Date.now()) {
  return {
    url: resourceUrl(base, 'appointments', a.id),
    title: a.title,
    datetime: a.datetime === null ? null : formatDatetime(a.datetime),
    duration: a.duration,
    type: a.type,
    status: appointmentStatus(a, now),
    cancelled: a.cancelled,
    division: resourceUrl(base, 'divisions', a.divisionId),
    provider: resourceUrl(base, 'providers', a.providerId),
    participants: a.participantIds.map((id) => renderParticipant(store.participants.get(id) as Participant, base)),
    metadata: a.metadata,
  };
}

import type { AppointmentType } from './limits.js';

/**
 * The emulator's state: plain in-memory Maps keyed by id plus the secondary indexes the list
 * filters need (contacts by name / lower-cased e-mail / phone, participants by e-mail), so a
 * filtered request never scans every record. Nothing is ever deleted through the API (the real
 * API offers no delete for these objects), so creation-order arrays double as id-ordered lists.
 */

export interface Division {
  id: number;
  name: string;
}

export interface Provider {
  id: number;
  fullName: string;
  email: string;
  divisionIds: number[];
}

export const CUSTOM_FIELD_KINDS = ['text', 'checkbox'] as const;
export type CustomFieldKind = (typeof CUSTOM_FIELD_KINDS)[number];

/** Roster custom field: per division, short text or checkbox, deactivated but never deleted. */
export interface CustomField {
  id: number;
  divisionId: number;
  label: string;
  kind: CustomFieldKind;
  active: boolean;
}

/** Custom values keyed by field id (as a string, the JSON key). Null-prototype object. */
export type CustomValues = Record<string, string | boolean>;

export interface Contact {
  id: number;
  divisionId: number;
  providerId: number;
  name: string;
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  notes: string | null;
  sex: string;
  dateOfBirth: string | null;
  customValues: CustomValues;
}

export type MetadataValue = string | number | boolean | null;
export type Metadata = Record<string, MetadataValue>;

export interface Appointment {
  id: number;
  title: string;
  /** Epoch ms; null only for `message` appointments. */
  datetime: number | null;
  duration: number;
  type: AppointmentType;
  cancelled: boolean;
  divisionId: number;
  providerId: number;
  participantIds: number[];
  metadata: Metadata | null;
}

export interface Participant {
  id: number;
  appointmentId: number;
  name: string;
  firstName: string;
  lastName: string;
  email: string;
  fee: number;
  cancelled: boolean;
  userId: number;
}

export type ContactFields = Omit<Contact, 'id'>;
export type AppointmentFields = Omit<Appointment, 'id' | 'participantIds'>;
export type ParticipantFields = Omit<Participant, 'id' | 'appointmentId' | 'userId'>;

export interface ContactFilter {
  name?: string;
  email?: string;
  phone?: string;
}

function addToIndex(index: Map<string, Set<number>>, key: string | null, id: number): void {
  if (key === null || key === '') return;
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(id);
}

function removeFromIndex(index: Map<string, Set<number>>, key: string | null, id: number): void {
  if (key === null || key === '') return;
  const set = index.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) index.delete(key);
}

const byId = (a: { id: number }, b: { id: number }): number => a.id - b.id;

export class OncallStore {
  readonly divisions = new Map<number, Division>();
  readonly providers = new Map<number, Provider>();
  readonly customFields = new Map<number, CustomField>();
  readonly contacts = new Map<number, Contact>();
  readonly appointments = new Map<number, Appointment>();
  readonly participants = new Map<number, Participant>();

  /** Creation order = id order, since ids only grow and nothing is deleted. */
  readonly contactList: Contact[] = [];
  readonly appointmentList: Appointment[] = [];

  private readonly contactsByName = new Map<string, Set<number>>();
  private readonly contactsByEmail = new Map<string, Set<number>>();
  private readonly contactsByPhone = new Map<string, Set<number>>();
  private readonly participantsByEmail = new Map<string, Set<number>>();
  private readonly userIdsByEmail = new Map<string, number>();

  private nextContactId = 1;
  private nextAppointmentId = 1;
  private nextParticipantId = 1;
  private nextUserId = 1;

  // ---- directory (seeded, read-only through the API) ----

  addDivision(division: Division): void {
    this.divisions.set(division.id, division);
  }

  addProvider(provider: Provider): void {
    this.providers.set(provider.id, provider);
    // A provider's user account exists before any participant: keep participant user ids apart.
    this.nextUserId = Math.max(this.nextUserId, provider.id + 1);
  }

  addCustomField(field: CustomField): void {
    this.customFields.set(field.id, field);
  }

  nextCustomFieldId(): number {
    let max = 0;
    for (const id of this.customFields.keys()) max = Math.max(max, id);
    return max + 1;
  }

  isMember(providerId: number, divisionId: number): boolean {
    return this.providers.get(providerId)?.divisionIds.includes(divisionId) ?? false;
  }

  /** Lowest-id provider of a division (stands for "the calling provider"). */
  firstProviderOf(divisionId: number): Provider | undefined {
    let first: Provider | undefined;
    for (const p of this.providers.values()) {
      if (p.divisionIds.includes(divisionId) && (first === undefined || p.id < first.id)) first = p;
    }
    return first;
  }

  /** An active field of the division with this id, or undefined. */
  activeFieldOf(divisionId: number, fieldKey: string): CustomField | undefined {
    if (!/^\d{1,9}$/.test(fieldKey)) return undefined;
    const field = this.customFields.get(Number(fieldKey));
    return field && field.active && field.divisionId === divisionId ? field : undefined;
  }

  // ---- roster contacts ----

  insertContact(fields: ContactFields): Contact {
    const contact: Contact = { id: this.nextContactId++, ...fields };
    this.contacts.set(contact.id, contact);
    this.contactList.push(contact);
    this.indexContact(contact);
    return contact;
  }

  /** Applies a partial change; indexes follow the new values. */
  updateContact(contact: Contact, changes: Partial<ContactFields>): void {
    this.unindexContact(contact);
    const { customValues, ...rest } = changes;
    Object.assign(contact, rest);
    if (customValues) {
      for (const key of Object.keys(customValues)) contact.customValues[key] = customValues[key] as string | boolean;
    }
    this.indexContact(contact);
  }

  /** Exact filters (e-mail case-insensitive), intersected starting from the smallest index set. */
  findContacts(filter: ContactFilter): Contact[] {
    const sets: Set<number>[] = [];
    if (filter.name !== undefined) sets.push(this.contactsByName.get(filter.name) ?? new Set());
    if (filter.email !== undefined) sets.push(this.contactsByEmail.get(filter.email.toLowerCase()) ?? new Set());
    if (filter.phone !== undefined) sets.push(this.contactsByPhone.get(filter.phone) ?? new Set());
    if (sets.length === 0) return this.contactList;
    sets.sort((a, b) => a.size - b.size);
    const [smallest, ...others] = sets as [Set<number>, ...Set<number>[]];
    const found: Contact[] = [];
    for (const id of smallest) {
      if (others.every((s) => s.has(id))) found.push(this.contacts.get(id) as Contact);
    }
    return found.sort(byId);
  }

  private indexContact(c: Contact): void {
    addToIndex(this.contactsByName, c.name, c.id);
    addToIndex(this.contactsByEmail, c.email?.toLowerCase() ?? null, c.id);
    addToIndex(this.contactsByPhone, c.phone, c.id);
  }

  private unindexContact(c: Contact): void {
    removeFromIndex(this.contactsByName, c.name, c.id);
    removeFromIndex(this.contactsByEmail, c.email?.toLowerCase() ?? null, c.id);
    removeFromIndex(this.contactsByPhone, c.phone, c.id);
  }

  // ---- appointments and participants ----

  insertAppointment(fields: AppointmentFields, participants: ParticipantFields[]): Appointment {
    const appointment: Appointment = { id: this.nextAppointmentId++, ...fields, participantIds: [] };
    for (const p of participants) {
      const participant: Participant = {
        id: this.nextParticipantId++,
        appointmentId: appointment.id,
        ...p,
        userId: this.userIdFor(p.email),
      };
      this.participants.set(participant.id, participant);
      addToIndex(this.participantsByEmail, participant.email.toLowerCase(), participant.id);
      appointment.participantIds.push(participant.id);
    }
    this.appointments.set(appointment.id, appointment);
    this.appointmentList.push(appointment);
    return appointment;
  }

  updateAppointment(appointment: Appointment, changes: Partial<AppointmentFields>): void {
    Object.assign(appointment, changes);
  }

  updateParticipant(participant: Participant, changes: Partial<ParticipantFields>): void {
    if (changes.email !== undefined && changes.email.toLowerCase() !== participant.email.toLowerCase()) {
      removeFromIndex(this.participantsByEmail, participant.email.toLowerCase(), participant.id);
      addToIndex(this.participantsByEmail, changes.email.toLowerCase(), participant.id);
      participant.userId = this.userIdFor(changes.email);
    }
    Object.assign(participant, changes);
  }

  /** Appointments with a participant of this e-mail (case-insensitive), id order. */
  appointmentsForEmail(email: string | null): Appointment[] {
    if (email === null || email === '') return [];
    const participantIds = this.participantsByEmail.get(email.toLowerCase());
    if (!participantIds) return [];
    const ids = new Set<number>();
    for (const pid of participantIds) ids.add((this.participants.get(pid) as Participant).appointmentId);
    return [...ids].sort((a, b) => a - b).map((id) => this.appointments.get(id) as Appointment);
  }

  /** One OnCall user per e-mail address: participants with the same e-mail share a user_id. */
  private userIdFor(email: string): number {
    const key = email.toLowerCase();
    let id = this.userIdsByEmail.get(key);
    if (id === undefined) {
      id = this.nextUserId++;
      this.userIdsByEmail.set(key, id);
    }
    return id;
  }
}

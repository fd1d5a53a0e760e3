import { OutcomeUnknown, sendExactlyOnce } from '../../effects/exactly-once.js';
import type { OncallClient, OnPage } from './client.js';
import { ONCALL_ASSUMPTIONS } from './config.js';
import type { Appointment, AppointmentCreate, Contact, ContactCreate } from './schemas.js';

/**
 * Finding OnCall records by the EMR id we stored in them (custom field for contacts, metadata
 * key for appointments, as both seed guides recommend). Two uses:
 * - resolving an ambiguous POST (timeout or reset after sending, 5xx): did it create the record?
 * - re-importing without duplicates: index what already exists once, then create only the rest.
 *
 * Contacts can be filtered by name, e-mail or phone (partner-apis.md, assumed exact match);
 * appointments have no documented filter, so finding one means listing.
 */

export type ContactSource = Pick<OncallClient, 'contacts'>;
export type AppointmentSource = Pick<OncallClient, 'appointments'>;

export interface ContactHints {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
}

function emrIdOfContact(contact: Contact, emrIdFieldId: string): string | undefined {
  const v = contact.custom_field_values?.[emrIdFieldId];
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

function emrIdOfAppointment(appt: Appointment, metadataKey: string): string | undefined {
  const v = appt.metadata?.[metadataKey];
  if (typeof v === 'string' && v.trim()) return v.trim();
  if (typeof v === 'number') return String(v);
  return undefined;
}

/**
 * The contact carrying `emrId` in custom field `emrIdFieldId`, or null. Each hint the API can
 * filter on is tried (e-mail, then phone, then name: most to least selective). With no hint,
 * the whole roster is scanned. With hints that all miss, null is returned unless `scanOnMiss`
 * (a record just created from the same data always matches its own e-mail/phone/name).
 * If duplicates already exist, the first listed (oldest, as lists are ordered) is returned.
 */
export async function findContactByEmrId(
  client: ContactSource,
  emrIdFieldId: string,
  emrId: string,
  hints: ContactHints = {},
  opts: { scanOnMiss?: boolean; division?: string } = {},
): Promise<Contact | null> {
  const wanted = emrId.trim();
  const inDivision = (c: Contact) => opts.division === undefined || sameDivision(c.division, opts.division);
  let narrowed = false;
  for (const key of ['email', 'phone', 'name'] as const) {
    const value = hints[key]?.trim();
    if (!value) continue;
    narrowed = true;
    for await (const contact of client.contacts({ [key]: value })) {
      if (emrIdOfContact(contact, emrIdFieldId) === wanted && inDivision(contact)) return contact;
    }
  }
  if (narrowed && !opts.scanOnMiss) return null;
  for await (const [id, contact] of scanContactsByEmrId(client, emrIdFieldId)) {
    if (id === wanted && inDivision(contact)) return contact;
  }
  return null;
}

/** Division URLs compared by path: the API may echo another host than the one configured. */
function sameDivision(a: string | null | undefined, b: string): boolean {
  const path = (u: string | null | undefined) => /\/divisions\/[^/?#]+/.exec(u ?? '')?.[0] ?? u ?? '';
  return path(a) === path(b);
}

/** Every roster contact that carries an EMR id, as `[emrId, contact]`, one listing pass. */
export async function* scanContactsByEmrId(
  client: ContactSource,
  emrIdFieldId: string,
): AsyncGenerator<[string, Contact]> {
  for await (const contact of client.contacts()) {
    const id = emrIdOfContact(contact, emrIdFieldId);
    if (id !== undefined) yield [id, contact];
  }
}

/** The appointment whose `metadata[metadataKey]` is `emrId`, or null (lists appointments). */
export async function findAppointmentByEmrId(
  client: AppointmentSource,
  metadataKey: string,
  emrId: string,
  opts: { contact?: string | number; division?: string } = {},
): Promise<Appointment | null> {
  const wanted = emrId.trim();
  for await (const [id, appt] of scanAppointmentsByEmrId(client, metadataKey, opts)) {
    if (id === wanted && (opts.division === undefined || sameDivision(appt.division, opts.division))) return appt;
  }
  return null;
}

/** Every appointment that carries an EMR id in `metadata[metadataKey]`, as `[emrId, appointment]`. */
export async function* scanAppointmentsByEmrId(
  client: AppointmentSource,
  metadataKey: string = ONCALL_ASSUMPTIONS.defaultEmrIdMetadataKey,
  opts: { contact?: string | number; onPage?: OnPage } = {},
): AsyncGenerator<[string, Appointment]> {
  for await (const appt of client.appointments(opts.contact === undefined ? {} : { contact: opts.contact }, opts.onPage)) {
    const id = emrIdOfAppointment(appt, metadataKey);
    if (id !== undefined) yield [id, appt];
  }
}

export interface EnsureOptions {
  /**
   * Wait before looking up after an ambiguous POST, so a request the partner is still
   * processing has landed before we decide it did not happen. Default 1000 ms.
   */
  settleMs?: number;
  /** Ambiguous outcomes tolerated before giving up (the last error is thrown). Default 3. */
  maxAmbiguous?: number;
  /** Look the record up before the first POST (re-imports). Default true. */
  lookupFirst?: boolean;
}

export interface Ensured<T> {
  record: T;
  /** False when the record already existed before this call. */
  created: boolean;
  /** Ambiguous POSTs resolved by lookup along the way. */
  ambiguous: number;
}

/**
 * Creates a contact exactly once: an ambiguous POST is resolved by looking the EMR id up, and
 * only repeated if the lookup proves it did not happen. Other failures are thrown.
 */
export async function ensureContact(
  client: Pick<OncallClient, 'contacts' | 'createContact'>,
  body: ContactCreate,
  emrIdFieldId: string,
  opts: EnsureOptions = {},
): Promise<Ensured<Contact>> {
  const emrId = body.custom_field_values?.[emrIdFieldId];
  if (typeof emrId !== 'string' || !emrId.trim()) {
    throw new Error(`Contact body carries no EMR id in custom field ${emrIdFieldId}`);
  }
  const hints = { email: body.email, phone: body.phone, name: body.name };
  const find = () => findContactByEmrId(client, emrIdFieldId, emrId, hints);
  return ensure(() => client.createContact(body), find, opts);
}

/** Same as ensureContact for appointments, matched by `metadata[metadataKey]`. */
export async function ensureAppointment(
  client: Pick<OncallClient, 'appointments' | 'createAppointment'>,
  body: AppointmentCreate,
  metadataKey: string = ONCALL_ASSUMPTIONS.defaultEmrIdMetadataKey,
  opts: EnsureOptions = {},
): Promise<Ensured<Appointment>> {
  const emrId = body.metadata?.[metadataKey];
  if ((typeof emrId !== 'string' || !emrId.trim()) && typeof emrId !== 'number') {
    throw new Error(`Appointment body carries no EMR id in metadata key ${metadataKey}`);
  }
  return ensure(() => client.createAppointment(body), () => findAppointmentByEmrId(client, metadataKey, String(emrId)), opts);
}

async function ensure<T>(create: () => Promise<T>, find: () => Promise<T | null>, opts: EnsureOptions): Promise<Ensured<T>> {
  if (opts.lookupFirst ?? true) {
    const existing = await find();
    if (existing) return { record: existing, created: false, ambiguous: 0 };
  }
  try {
    // The shared exactly-once rule (src/effects/exactly-once.ts).
    const r = await sendExactlyOnce({ send: create, lookup: find, settleMs: opts.settleMs ?? 1000, maxAmbiguous: opts.maxAmbiguous ?? 3 });
    return { record: r.record, created: true, ambiguous: r.ambiguous };
  } catch (e) {
    // Callers expect the partner's own error when the outcome stays unknown.
    throw e instanceof OutcomeUnknown ? e.last : e;
  }
}

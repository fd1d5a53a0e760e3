import type { OncallClient } from '../../partners/oncall/client.js';
import type { Appointment, Contact } from '../../partners/oncall/schemas.js';

/**
 * The "OnCall record" of a report line, as OnCall holds it now (issue 7, item 5): the engine
 * fetches it with its own credentials and shows it with plain labels. Only addresses of the
 * configured OnCall API, of the kinds an import writes (contacts, appointments), are ever
 * fetched: anything else is refused before any request, so the route cannot be turned into a
 * way to make the engine call a host of the caller's choosing.
 */
export const RECORD_KINDS = ['contacts', 'appointments'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export class RecordAddressError extends Error {
  override name = 'RecordAddressError';
}

/**
 * The kind and id of `address` when it is a contact or appointment URL under `baseUrl`
 * (same scheme, host, port and path prefix; no credentials, query or fragment); else throws.
 */
export function parseRecordAddress(address: string, baseUrl: string): { kind: RecordKind; id: string } {
  let u: URL;
  try {
    u = new URL(address);
  } catch {
    throw new RecordAddressError('not an address');
  }
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  if (u.protocol !== base.protocol || u.host !== base.host || u.username || u.password || u.search || u.hash) {
    throw new RecordAddressError('not an address of the configured OnCall');
  }
  if (!u.pathname.startsWith(`${prefix}/`)) throw new RecordAddressError('not an address of the configured OnCall');
  const m = /^\/(contacts|appointments)\/(\d{1,15})\/?$/.exec(u.pathname.slice(prefix.length));
  if (!m) throw new RecordAddressError('not an OnCall contact or appointment');
  return { kind: m[1] as RecordKind, id: m[2]! };
}

/** OnCall's own web page of a record, from the `ONCALL_WEB_URL` setting; null when unset. */
export function recordWebUrl(webUrl: string | undefined, kind: RecordKind, id: string): string | null {
  if (!webUrl) return null;
  if (webUrl.includes('{id}')) return webUrl.replaceAll('{kind}', kind).replaceAll('{id}', id);
  return `${webUrl.replace(/\/+$/, '')}/${kind}/${id}/`;
}

export interface RecordField {
  label: string;
  value: string;
}

export interface RecordView {
  kind: RecordKind;
  id: string;
  /** The API address (what the report holds). */
  url: string;
  /** OnCall's own web page of it, when configured. */
  webUrl: string | null;
  title: string;
  fields: RecordField[];
}

/** Reads the record with the engine's client and lays it out with plain labels. */
export async function viewRecord(client: OncallClient, kind: RecordKind, id: string, url: string, webUrl: string | undefined): Promise<RecordView> {
  const names = await directoryNames(client);
  const base = { kind, id, url, webUrl: recordWebUrl(webUrl, kind, id) };
  if (kind === 'contacts') {
    const c = await client.getContact(id);
    return { ...base, title: c.name || [c.first_name, c.last_name].filter(Boolean).join(' ') || `Patient ${id}`, fields: contactFields(c, names) };
  }
  const a = await client.getAppointment(id);
  return { ...base, title: a.title || `Appointment ${id}`, fields: appointmentFields(a, names) };
}

type Names = Map<string, string>;

/** Division and provider names by their path, to show "Main clinic" rather than a URL. */
async function directoryNames(client: OncallClient): Promise<Names> {
  const names: Names = new Map();
  const key = (url: string) => {
    try {
      return new URL(url).pathname.replace(/^.*\/(divisions|providers)\//, '$1/');
    } catch {
      return url;
    }
  };
  const [divisions, providers] = await Promise.allSettled([client.listDivisions(), client.listProviders()]);
  if (divisions.status === 'fulfilled') for (const d of divisions.value) if (d.name) names.set(key(d.url), d.name);
  if (providers.status === 'fulfilled') for (const p of providers.value) if (p.full_name) names.set(key(p.url), p.full_name);
  return names;
}

function nameOf(names: Names, url: string | null | undefined): string | null {
  if (!url) return null;
  let path = url;
  try {
    path = new URL(url).pathname.replace(/^.*\/(divisions|providers)\//, '$1/');
  } catch {
    /* not a URL: shown as is */
  }
  return names.get(path) ?? url;
}

function push(out: RecordField[], label: string, value: unknown): void {
  if (value === null || value === undefined || value === '') return;
  out.push({ label, value: typeof value === 'boolean' ? (value ? 'Yes' : 'No') : String(value) });
}

const SEX: Record<string, string> = { male: 'Male', female: 'Female', other: 'Other', unknown: 'Unknown' };

function contactFields(c: Contact, names: Names): RecordField[] {
  const out: RecordField[] = [];
  push(out, 'Name', c.name);
  push(out, 'First name', c.first_name);
  push(out, 'Last name', c.last_name);
  push(out, 'Date of birth', c.date_of_birth);
  push(out, 'Sex', c.sex ? (SEX[c.sex.toLowerCase()] ?? c.sex) : null);
  push(out, 'E-mail', c.email);
  push(out, 'Phone', c.phone);
  push(out, 'Clinic', nameOf(names, c.division));
  push(out, 'Provider', nameOf(names, c.provider));
  for (const [fieldId, value] of Object.entries(c.custom_field_values ?? {})) {
    const label = c.custom_field_names?.[fieldId]?.trim() || `Custom field ${fieldId}`;
    push(out, label, typeof value === 'object' && value !== null ? JSON.stringify(value) : value);
  }
  push(out, 'Notes', c.notes);
  return out;
}

/** "5 Jan 2027, 15:30 UTC": OnCall keeps times in UTC; an unreadable value is shown as it is. */
function plainDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })} UTC`;
}

const APPOINTMENT_TYPE: Record<string, string> = { online: 'Video visit', inperson: 'In person', in_person: 'In person', phone: 'Phone call', message: 'Message' };

function appointmentFields(a: Appointment, names: Names): RecordField[] {
  const out: RecordField[] = [];
  push(out, 'Title', a.title);
  push(out, 'Date and time', a.datetime ? plainDateTime(a.datetime) : null);
  push(out, 'Duration', typeof a.duration === 'number' ? `${a.duration} minutes` : null);
  push(out, 'Type', a.type ? (APPOINTMENT_TYPE[a.type] ?? a.type) : null);
  push(out, 'Status', a.status);
  push(out, 'Cancelled', a.cancelled);
  push(out, 'Clinic', nameOf(names, a.division));
  push(out, 'Provider', nameOf(names, a.provider));
  for (const [i, p] of (a.participants ?? []).entries()) {
    const who = [p.name || [p.first_name, p.last_name].filter(Boolean).join(' '), p.email ? `<${p.email}>` : ''].filter(Boolean).join(' ');
    const extra = [typeof p.fee === 'number' ? `fee ${p.fee}` : '', p.cancelled ? 'cancelled' : ''].filter(Boolean).join(', ');
    push(out, `Participant ${i + 1}`, extra ? `${who} (${extra})` : who);
  }
  for (const [key, value] of Object.entries(a.metadata ?? {})) {
    push(out, `Metadata: ${key}`, typeof value === 'object' && value !== null ? JSON.stringify(value) : value);
  }
  return out;
}

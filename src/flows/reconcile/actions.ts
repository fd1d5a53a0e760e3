import type { Appointment, Patient } from '@medplum/fhirtypes';
import { IDENTIFIER_SYSTEMS } from '../../domain/identifiers.js';
import { SYSTEMS, type LinkStore } from '../../links/link-store.js';
import type { OncallClient } from '../../partners/oncall/client.js';
import { findAppointmentByEmrId, findContactByEmrId } from '../../partners/oncall/lookup.js';
import { appointmentToOncall, contactToPatient, OncallMappingError, oncallToAppointment, patientToContactCreate } from '../../partners/oncall/mapping.js';
import type { AppointmentPatch, Contact, ContactPatch } from '../../partners/oncall/schemas.js';
import { isPartnerError } from '../../partners/partner-error.js';
import type { FhirReader } from '../../partners/fhir-emr/fhir-reader.js';
import type { EmrWriter } from '../sync/targets/emr/emr-writer.js';
import type { OncallPlacement } from '../sync/targets/oncall/defaults.js';
import type { Finding, ReconcileType } from './findings.js';

/**
 * What a person can do with a finding from the Reconciliation page (issue 9): push the owning
 * side's values to the other side, link two records they confirm are the same, or ignore.
 * The callers (runs.ts) put each action behind one effects row, so it happens once.
 */
export type ReconcileAction = 'push' | 'link' | 'ignore';
export const RECONCILE_ACTIONS = ['push', 'link', 'ignore'] as const satisfies readonly ReconcileAction[];

/** An action refused with a reason a person can act on; `status` is the HTTP answer. */
export class ActionRefused extends Error {
  override name = 'ActionRefused';
  constructor(
    readonly status: 400 | 404 | 409 | 422 | 501,
    message: string,
  ) {
    super(message);
  }
}

export interface ActionDeps {
  type: ReconcileType;
  oncall: OncallClient;
  emr: FhirReader;
  /** The EMR writer (FHIR or HL7) when one is configured: writes to the EMR need it. */
  emrWriter?: EmrWriter | undefined;
  links: LinkStore;
  emrIdField: string;
  emrIdMetadataKey: string;
  /** Where a contact created in OnCall goes (the sync's division and provider). */
  placement: () => Promise<OncallPlacement>;
}

export interface ActionOutcome {
  /** What was done, in words (no values). */
  done: string;
  /** The record written or linked (URL or EMR id), kept on the effects row. */
  id: string;
}

const withEmrId = <T extends Patient | Appointment>(r: T): T => {
  const others = (r.identifier ?? []).filter((i) => i.system !== IDENTIFIER_SYSTEMS.emr);
  return { ...r, identifier: [{ system: IDENTIFIER_SYSTEMS.emr, value: r.id as string }, ...others] };
};

/** `contact 12` from an OnCall URL, for a message (an id, never a value). */
const oncallId = (url: string): string => /\/(contacts|appointments)\/([^/?#]+)\/?$/.exec(url)?.slice(1).join(' ').replace(/s /, ' ') ?? 'a record';

const record = (type: ReconcileType) => (type === 'contacts' ? 'patient' : 'appointment');
const thing = (type: ReconcileType) => (type === 'contacts' ? 'contact' : 'appointment');

async function readEmr(d: ActionDeps, id: string): Promise<Patient | Appointment> {
  try {
    return d.type === 'contacts' ? await d.emr.read<Patient>('Patient', id) : await d.emr.read<Appointment>('Appointment', id);
  } catch (e) {
    if (isPartnerError(e) && e.status === 404) throw new ActionRefused(409, `The EMR record is no longer there: run the reconciliation again`);
    throw e;
  }
}

/** An OnCall URL of this OnCall, read fresh; refuses a URL elsewhere (never fetched). */
async function readOncall(d: ActionDeps, url: string): Promise<Contact | Awaited<ReturnType<OncallClient['getAppointment']>>> {
  const base = d.oncall.baseUrl;
  if (!url.startsWith(`${base}/`)) throw new ActionRefused(422, 'That address is not an OnCall record of the configured OnCall Health');
  try {
    return d.type === 'contacts' ? await d.oncall.getContact(url) : await d.oncall.getAppointment(url);
  } catch (e) {
    if (isPartnerError(e) && e.status === 404) throw new ActionRefused(409, `That OnCall ${thing(d.type)} is no longer there: run the reconciliation again`);
    throw e;
  }
}

export async function linkAction(d: ActionDeps, f: Finding, body: { oncallUrl?: string; emrId?: string }): Promise<ActionOutcome> {
  let emrId = f.emrId;
  let url = f.oncallUrl;
  if (f.kind === 'missing-in-oncall') {
    if (!body.oncallUrl) throw new ActionRefused(400, `Say which OnCall ${thing(d.type)} this EMR record is (oncallUrl)`);
    url = body.oncallUrl;
  } else if (f.kind === 'missing-in-emr') {
    if (!body.emrId) throw new ActionRefused(400, `Say which EMR record this OnCall ${thing(d.type)} is (emrId)`);
    emrId = body.emrId;
  } else if (f.kind === 'duplicated') {
    if (!body.oncallUrl || !f.oncallUrls?.includes(body.oncallUrl)) {
      throw new ActionRefused(400, `Choose which of the ${f.oncallUrls?.length ?? 0} OnCall contacts is the right one (oncallUrl)`);
    }
    url = body.oncallUrl;
  } else {
    throw new ActionRefused(409, 'These two records are already paired');
  }
  // Both must exist: a link to nothing would hide a record from the next run.
  await readOncall(d, url as string);
  await readEmr(d, emrId as string);
  await d.links.put({ kind: record(d.type), sourceSystem: SYSTEMS.emr, sourceId: emrId as string, targetSystem: SYSTEMS.oncall, targetId: url as string });
  return { done: `linked the EMR record to the OnCall ${thing(d.type)}`, id: `${emrId} ${url}` };
}

export async function pushAction(d: ActionDeps, f: Finding): Promise<ActionOutcome> {
  if (f.kind === 'different') return pushDifferences(d, f);
  if (f.kind === 'missing-in-oncall') return createInOncall(d, f);
  if (f.kind === 'missing-in-emr') return createInEmr(d, f);
  if (f.kind === 'duplicated') throw new ActionRefused(409, 'Two OnCall contacts stand for one EMR record: link the right one, then push');
  throw new ActionRefused(409, 'Nothing to push: the records are in sync');
}

function needWriter(d: ActionDeps): EmrWriter {
  if (!d.emrWriter) {
    throw new ActionRefused(501, 'Writing to the EMR is not set up in this engine (EHR_BRIDGE_EMR_WRITE): nothing was written');
  }
  return d.emrWriter;
}

async function pushDifferences(d: ActionDeps, f: Finding): Promise<ActionOutcome> {
  const toOncall = (f.fields ?? []).filter((x) => x.owner === 'emr').map((x) => x.field);
  const toEmr = (f.fields ?? []).filter((x) => x.owner === 'oncall').map((x) => x.field);
  // Refused before anything is written: an action is all or nothing.
  const writer = toEmr.length > 0 ? needWriter(d) : undefined;
  const emr = await readEmr(d, f.emrId as string);
  const oncall = await readOncall(d, f.oncallUrl as string);
  if (d.type === 'contacts') {
    if (toOncall.length > 0) {
      const patch = contactPatch(emr as Patient, toOncall, d.emrIdField);
      await d.oncall.patchContact(f.oncallUrl as string, patch);
    }
    if (writer && toEmr.length > 0) {
      const from = contactToPatient(oncall as Contact, d.emrIdField);
      await writer.updatePatient(f.emrId as string, patientWith(emr as Patient, from, toEmr));
    }
  } else {
    const oncallAppt = oncallToAppointment(oncall as Parameters<typeof oncallToAppointment>[0], d.emrIdMetadataKey);
    if (toOncall.length > 0) await d.oncall.patchAppointment(f.oncallUrl as string, appointmentPatch(emr as Appointment, toOncall));
    if (writer && toEmr.length > 0) {
      const wanted = appointmentWith(emr as Appointment, oncallAppt, toEmr);
      const change = wanted.status === 'cancelled' ? 'cancel' : wanted.status === 'noshow' ? 'noshow' : toEmr.some((x) => x === 'start' || x === 'end') ? 'reschedule' : 'modify';
      await writer.updateAppointment(f.emrId as string, wanted, change, []);
    }
  }
  const words = [toOncall.length ? `${toOncall.length} field(s) written to OnCall` : '', toEmr.length ? `${toEmr.length} field(s) written to the EMR` : ''].filter(Boolean);
  return { done: words.join(', ') || 'nothing differed', id: f.oncallUrl as string };
}

/** The PATCH carrying the EMR's values of `fields`; a value the EMR lacks clears OnCall's. */
function contactPatch(p: Patient, fields: string[], emrIdField: string): ContactPatch {
  let wanted: ReturnType<typeof patientToContactCreate>;
  try {
    wanted = patientToContactCreate(withEmrId(p), { division: '-', provider: '-', emrIdFieldId: emrIdField });
  } catch {
    throw new ActionRefused(422, 'The EMR patient has no usable name: correct it in the EMR first');
  }
  const patch: ContactPatch = {};
  for (const field of fields) {
    if (field === 'family') patch.last_name = wanted.last_name ?? null;
    else if (field === 'given') patch.first_name = wanted.first_name ?? null;
    else if (field === 'birthDate') patch.date_of_birth = wanted.date_of_birth ?? null;
    else if (field === 'gender') patch.sex = wanted.sex ?? 'Unknown';
    else if (field === 'email') patch.email = wanted.email ?? null;
    else if (field === 'phone') patch.phone = wanted.phone ?? null;
  }
  if (fields.includes('family') || fields.includes('given')) patch.name = wanted.name;
  return patch;
}

function appointmentPatch(a: Appointment, fields: string[]): AppointmentPatch {
  const patch: AppointmentPatch = {};
  if ((fields.includes('start') || fields.includes('end')) && a.start) {
    patch.datetime = new Date(Date.parse(a.start)).toISOString().replace(/\.000Z$/, 'Z');
    const end = a.end ? Date.parse(a.end) : a.minutesDuration ? Date.parse(a.start) + a.minutesDuration * 60_000 : NaN;
    const minutes = Math.round((end - Date.parse(a.start)) / 60_000);
    if (Number.isFinite(minutes) && minutes > 0) patch.duration = minutes;
  }
  if (fields.includes('status')) {
    if (a.status === 'noshow' || a.status === 'fulfilled') {
      throw new ActionRefused(422, 'OnCall takes only "cancelled" or not through its API: a no-show or a completed visit cannot be written there');
    }
    patch.cancelled = a.status === 'cancelled' || a.status === 'entered-in-error';
  }
  return patch;
}

/** The EMR patient with OnCall's values for `fields` (name parts, birth date, sex, e-mail, phone). */
function patientWith(emr: Patient, from: Patient, fields: string[]): Patient {
  const out: Patient = structuredClone(emr);
  const name = out.name?.[0] ?? { use: 'official' as const };
  const src = from.name?.[0];
  if (fields.includes('family')) name.family = src?.family;
  if (fields.includes('given')) name.given = src?.given;
  if (fields.includes('family') || fields.includes('given')) {
    delete name.text;
    out.name = [name, ...(out.name ?? []).slice(1)];
  }
  if (fields.includes('birthDate')) out.birthDate = from.birthDate;
  if (fields.includes('gender')) out.gender = from.gender ?? 'unknown';
  for (const system of ['email', 'phone'] as const) {
    if (!fields.includes(system)) continue;
    const value = from.telecom?.find((t) => t.system === system)?.value;
    const rest = (out.telecom ?? []).filter((t) => t.system !== system && !(system === 'phone' && t.system === 'sms'));
    out.telecom = value ? [{ system, value }, ...rest] : rest;
  }
  return out;
}

function appointmentWith(emr: Appointment, from: Appointment, fields: string[]): Appointment {
  const out: Appointment = structuredClone(emr);
  if (fields.includes('start')) out.start = from.start;
  if (fields.includes('end') || fields.includes('start')) {
    out.end = from.end;
    if (from.minutesDuration) out.minutesDuration = from.minutesDuration;
  }
  if (fields.includes('status') && from.status) out.status = from.status;
  return out;
}

async function createInOncall(d: ActionDeps, f: Finding): Promise<ActionOutcome> {
  if (d.type !== 'contacts') return bookInOncall(d, f);
  const emrId = f.emrId as string;
  const patient = withEmrId((await readEmr(d, emrId)) as Patient);
  const place = await d.placement();
  let body;
  try {
    body = patientToContactCreate(patient, { division: place.division, provider: place.provider, emrIdFieldId: d.emrIdField });
  } catch {
    throw new ActionRefused(422, 'The EMR patient has no usable name: correct it in the EMR first');
  }
  // A contact that already carries the EMR id (a create whose answer was lost) is used, not doubled.
  const existing = await findContactByEmrId(d.oncall, d.emrIdField, emrId, { email: body.email, phone: body.phone, name: body.name });
  if (!existing) {
    // The same person may be in OnCall unpaired (a finding "missing in the EMR" of this run):
    // never a second contact silently; the person links them instead.
    const sameName: string[] = [];
    for await (const c of d.oncall.contacts({ name: body.name })) {
      const held = c.custom_field_values?.[d.emrIdField];
      if (!(typeof held === 'string' && held.trim()) && c.date_of_birth === (body.date_of_birth ?? c.date_of_birth)) sameName.push(c.url);
      if (sameName.length >= 5) break;
    }
    if (sameName.length > 0) {
      throw new ActionRefused(409, `OnCall has ${sameName.length === 1 ? 'a contact' : `${sameName.length} contacts`} with the same name and no EMR id (${sameName.map((u) => oncallId(u)).join(', ')}): link the right one instead of creating another`);
    }
  }
  const contact = existing ?? (await d.oncall.createContact(body));
  await d.links.put({ kind: 'patient', sourceSystem: SYSTEMS.emr, sourceId: emrId, targetSystem: SYSTEMS.oncall, targetId: contact.url });
  return { done: existing ? 'found the contact in OnCall and linked it' : 'created the contact in OnCall', id: contact.url };
}

/**
 * Books an EMR appointment missing in OnCall, as the forward sync would (same mapping, same
 * division and provider), and links it and its participants so the sync updates it later.
 */
async function bookInOncall(d: ActionDeps, f: Finding): Promise<ActionOutcome> {
  const emrId = f.emrId as string;
  const appt = withEmrId((await readEmr(d, emrId)) as Appointment);
  const pids = (appt.participant ?? []).map((p) => /^Patient\/([^/]+)$/.exec(p.actor?.reference ?? '')?.[1]).filter((x): x is string => Boolean(x));
  if (pids.length === 0) throw new ActionRefused(422, 'The EMR appointment has no patient: there is nobody to book in OnCall');
  let patients: Patient[];
  try {
    patients = await Promise.all(pids.map((id) => d.emr.read<Patient>('Patient', id)));
  } catch (e) {
    if (isPartnerError(e) && e.status === 404) throw new ActionRefused(409, 'A patient of the EMR appointment is no longer in the EMR');
    throw e;
  }
  const place = await d.placement();
  let body;
  try {
    body = appointmentToOncall(appt, patients.map(withEmrId), { division: place.division, provider: place.provider, emrIdMetadataKey: d.emrIdMetadataKey });
  } catch (e) {
    if (e instanceof OncallMappingError) throw new ActionRefused(422, `The EMR appointment cannot be booked in OnCall: ${e.message}`);
    throw e;
  }
  const created = await d.oncall.createAppointment(body);
  const notAfter = appt.end ?? null;
  await d.links.putMany([
    { kind: 'appointment', sourceSystem: SYSTEMS.emr, sourceId: emrId, targetSystem: SYSTEMS.oncall, targetId: created.url, notAfter },
    ...(created.participants ?? []).slice(0, pids.length).map((p, i) => ({
      kind: 'participant' as const,
      sourceSystem: SYSTEMS.emr,
      sourceId: `${emrId}/${pids[i]}`,
      targetSystem: SYSTEMS.oncall,
      targetId: p.url,
      parentId: pids[i] as string,
      notAfter,
    })),
  ]);
  return { done: 'booked the appointment in OnCall', id: created.url };
}

/** The lookup that resolves a create in OnCall whose answer was lost: the record carries the EMR id. */
export async function findCreatedInOncall(d: ActionDeps, emrId: string): Promise<string | null> {
  if (d.type === 'contacts') return (await findContactByEmrId(d.oncall, d.emrIdField, emrId))?.url ?? null;
  return (await findAppointmentByEmrId(d.oncall, d.emrIdMetadataKey, emrId))?.url ?? null;
}

async function createInEmr(d: ActionDeps, f: Finding): Promise<ActionOutcome> {
  const writer = needWriter(d);
  const url = f.oncallUrl as string;
  const oncall = await readOncall(d, url);
  const key = { system: IDENTIFIER_SYSTEMS.oncallUrl, value: url };
  if (d.type === 'contacts') {
    const patient = contactToPatient(oncall as Contact, d.emrIdField);
    patient.identifier = (patient.identifier ?? []).filter((i) => i.system !== IDENTIFIER_SYSTEMS.emr);
    // Matched before anything is created (issue 9): a patient of the same name and birth date
    // is never doubled silently; the person links them instead.
    const name = patient.name?.[0];
    if (writer.readable && name?.family?.trim()) {
      const found = await writer.findPatientsByDemographics({ family: name.family, ...(name.given?.[0] ? { given: name.given[0] } : {}), ...(patient.birthDate ? { birthDate: patient.birthDate } : {}) });
      if (found.length > 0) {
        throw new ActionRefused(409, `The EMR has ${found.length === 1 ? 'a patient' : `${found.length} patients`} with the same name${patient.birthDate ? ' and date of birth' : ''} (${found.slice(0, 5).map((p) => p.id).join(', ')}): link the right one instead of creating another`);
      }
    }
    const created = await writer.createPatient(patient, key);
    await d.links.put({ kind: 'patient', sourceSystem: SYSTEMS.emr, sourceId: created.id, targetSystem: SYSTEMS.oncall, targetId: url });
    return { done: 'created the patient in the EMR', id: created.id };
  }
  throw new ActionRefused(501, 'Creating an appointment in the EMR from this page is not offered: the sync back books it from OnCall');
}

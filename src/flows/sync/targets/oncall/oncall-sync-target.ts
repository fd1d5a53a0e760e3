import type { Patient } from '@medplum/fhirtypes';
import type { OncallClient } from '../../../../partners/oncall/client.js';
import { findAppointmentByEmrId, findContactByEmrId } from '../../../../partners/oncall/lookup.js';
import {
  APPOINTMENT_TYPE_BY_CODE,
  appointmentPatchFor,
  appointmentToOncall,
  contactPatchFor,
  OncallMappingError,
  ONCALL_APPOINTMENT_TYPE_SYSTEM,
  patientToContactCreate,
} from '../../../../partners/oncall/mapping.js';
import type { Appointment as OncallAppointment, AppointmentCreate, Contact, ContactCreate, ParticipantPatch } from '../../../../partners/oncall/schemas.js';
import { isPartnerError } from '../../../../partners/partner-error.js';
import { IDENTIFIER_SYSTEMS } from '../../../../domain/identifiers.js';
import type { EffectStore } from '../../../../effects/effect-store.js';
import { projectionHash, SYSTEMS, type Link, type LinkStore } from '../../../../links/link-store.js';
import { emrAppointmentHash, emrPatientHash } from '../../emr-projection.js';
import type { SyncSettings } from '../../settings.js';
import { SyncRefused, type AppointmentUpsert, type ApplyContext, type PatientMerge, type PatientUpsert, type SyncTarget } from '../../sync-target.js';
import type { OncallPlacements } from './defaults.js';

export interface OncallSyncDeps {
  client: () => OncallClient;
  links: LinkStore;
  effects: EffectStore;
  placements: OncallPlacements;
  settings: SyncSettings;
  emrIdField: string;
  emrIdMetadataKey: string;
  /** Wait before looking up an ambiguous create (tests shorten it). */
  settleMs?: number;
}

const ONCALL = SYSTEMS.oncall;
const EMR = SYSTEMS.emr;

/**
 * EMR events applied to OnCall Health (seed oncall-patient-sync-guide.txt, "Using your EMR or EHR
 * as the system of record", its four subsections):
 * - new patient -> roster contact; changed patient -> PATCH of the changed keys only, and no call
 *   at all when nothing OnCall holds changed (the projection's hash equals the last one sent);
 * - the same change -> PATCH of the patient's participants in appointments not yet past, only when
 *   name, first_name, last_name or email changed (the seed's list);
 * - new appointment -> POST with participants and the EMR ids in metadata; changes -> PATCH;
 *   cancel/delete -> cancelled; no-show -> metadata.noshow;
 * - merge -> the retired patient's links move to the survivor; its contact is marked, not deleted.
 * Creates go through the effects store (intent first, lookup on ambiguity); links are written
 * right after each write.
 */
export class OncallSyncTarget implements SyncTarget {
  readonly system = ONCALL;
  readonly label = 'OnCall Health';

  constructor(private readonly d: OncallSyncDeps) {}

  // ---- patients --------------------------------------------------------------------------

  async patient(ev: PatientUpsert, c: ApplyContext): Promise<void> {
    const emrId = ev.emrPatientId;
    if (this.d.settings.contacts) await this.upsertContact(ev, c);
    else c.trace.decision('Roster contacts are switched off: no contact written', { patient: emrId });
    await this.updateParticipants(emrId, ev.patient, c);
  }

  private async upsertContact(ev: PatientUpsert, c: ApplyContext): Promise<void> {
    const emrId = ev.emrPatientId;
    const place = await this.d.placements.placementFor(ev.emrLocation);
    const wanted = mapped(() => patientToContactCreate(ev.patient, { division: place.division, provider: place.provider, emrIdFieldId: this.d.emrIdField }));
    const hash = projectionHash(contactProjection(wanted));
    const source = { system: EMR, id: emrId };
    let link = await this.d.links.find('patient', source, ONCALL);
    if (link && link.projectionHash === hash) {
      c.trace.decision('Nothing OnCall holds changed: no call', { patient: emrId, contact: link.targetId });
      return;
    }
    if (!link) link = await this.linkFromOncallUrl('patient', ev.patient.identifier, emrId, c);
    if (!link) {
      // Created by hand or imported before links existed: found by the EMR id, never duplicated.
      const found = await this.lookupContact(wanted, emrId, c);
      if (found) {
        link = { kind: 'patient', sourceSystem: EMR, sourceId: emrId, targetSystem: ONCALL, targetId: found.url };
        await this.d.links.put(link);
        c.trace.decision('Found the contact already in OnCall by its EMR id: linked', { patient: emrId, contact: found.url });
      }
    }
    if (link) {
      const existing = await this.getContact(link.targetId, c);
      if (existing) {
        await this.patchContact(existing, wanted, emrId, c);
        await this.d.links.setProjection('patient', source, ONCALL, hash);
        await this.reverseLink('patient', link.targetId, emrId, emrPatientHash(ev.patient));
        return;
      }
      // Deleted in OnCall since: made again, with the same care as a first create.
      c.trace.decision('The linked contact no longer exists in OnCall: creating it again', { patient: emrId });
      await this.d.links.remove('patient', source, ONCALL);
      await this.d.effects.forget(contactKey(emrId));
    }
    const created = await this.timed(c, 'POST', '/contacts/', () =>
      this.d.effects.run<Contact>({
        key: contactKey(emrId),
        target: ONCALL,
        action: 'create contact',
        messageId: c.messageId,
        send: () => this.d.client().createContact(wanted),
        lookup: () => this.lookupContact(wanted, emrId, c, true),
        idOf: (x) => x.url,
        ...(this.d.settleMs !== undefined ? { settleMs: this.d.settleMs } : {}),
      }),
    );
    await this.d.links.put({ kind: 'patient', sourceSystem: EMR, sourceId: emrId, targetSystem: ONCALL, targetId: created.id, projectionHash: hash });
    await this.reverseLink('patient', created.id, emrId, emrPatientHash(ev.patient));
    c.trace.decision(howWords('Contact created', created.how), { patient: emrId, contact: created.id });
  }

  private async patchContact(existing: Contact, wanted: ContactCreate, emrId: string, c: ApplyContext): Promise<void> {
    const patch = contactPatchFor(existing, wanted);
    // Sync never moves a contact between clinics: a bulk import may have put it elsewhere on purpose.
    if (patch) {
      delete patch.division;
      delete patch.provider;
    }
    if (!patch || !Object.keys(patch).length) {
      c.trace.decision('Already up to date in OnCall: no change sent', { patient: emrId, contact: existing.url });
      return;
    }
    await this.timed(c, 'PATCH', existing.url, () => this.d.client().patchContact(existing.url, patch));
    c.trace.decision(`Contact updated: ${Object.keys(patch).join(', ')}`, { patient: emrId, contact: existing.url, keys: Object.keys(patch) });
  }

  private async updateParticipants(emrId: string, patient: Patient, c: ApplyContext): Promise<void> {
    const now = new Date().toISOString();
    const participants = (await this.d.links.children('participant', EMR, emrId)).filter((l) => !l.notAfter || l.notAfter > now);
    if (!participants.length) return;
    const person = participantProjection(patient);
    const hash = projectionHash(person);
    for (const link of participants) {
      if (link.projectionHash === hash) continue;
      const patch: ParticipantPatch = {};
      if (person.name) patch.name = person.name;
      if (person.first_name) patch.first_name = person.first_name;
      if (person.last_name) patch.last_name = person.last_name;
      // No e-mail in the EMR: the participant keeps the one it was created with (the fallback).
      if (person.email) patch.email = person.email;
      if (!Object.keys(patch).length) continue;
      await this.timed(c, 'PATCH', link.targetId, () => this.d.client().patchParticipant(link.targetId, patch));
      await this.d.links.setProjection('participant', { system: EMR, id: link.sourceId }, ONCALL, hash);
      c.trace.decision(`Participant updated in an upcoming appointment: ${Object.keys(patch).join(', ')}`, { patient: emrId, participant: link.targetId });
    }
  }

  // ---- appointments ----------------------------------------------------------------------

  async appointment(ev: AppointmentUpsert, c: ApplyContext): Promise<void> {
    const apptId = ev.emrAppointmentId;
    if (!this.d.settings.appointments) {
      c.trace.decision('Appointments are switched off: nothing written', { appointment: apptId });
      return;
    }
    const source = { system: EMR, id: apptId };
    let link = await this.d.links.find('appointment', source, ONCALL);
    if (!link) link = await this.linkFromOncallUrl('appointment', ev.appointment.identifier, apptId, c);
    const ending = ev.change === 'cancel' || ev.change === 'delete';
    if (!link && ending) {
      c.trace.decision('Cancelled before it reached OnCall: nothing to do', { appointment: apptId, change: ev.change });
      return;
    }
    const wanted = await this.appointmentBody(ev);
    const hash = projectionHash(wanted);
    if (link && link.projectionHash === hash) {
      c.trace.decision('Nothing OnCall holds changed: no call', { appointment: apptId, oncall: link.targetId });
      return;
    }
    if (link) {
      const existing = await this.getAppointment(link.targetId, c);
      if (existing) {
        await this.patchAppointment(existing, wanted, apptId, c);
        await this.d.links.put({ ...link, projectionHash: hash, notAfter: endOf(wanted) });
        await this.reverseLink('appointment', link.targetId, apptId, emrAppointmentHash(ev.appointment), endOf(wanted));
        return;
      }
      if (ending) {
        c.trace.decision('The linked appointment no longer exists in OnCall: nothing to cancel', { appointment: apptId });
        return;
      }
      c.trace.decision('The linked appointment no longer exists in OnCall: creating it again', { appointment: apptId });
      await this.d.links.remove('appointment', source, ONCALL);
      await this.d.effects.forget(appointmentKey(apptId));
      link = undefined;
    }
    const created = await this.timed(c, 'POST', '/appointments/', () =>
      this.d.effects.run<OncallAppointment>({
        key: appointmentKey(apptId),
        target: ONCALL,
        action: 'create appointment',
        messageId: c.messageId,
        send: () => this.d.client().createAppointment(wanted),
        lookup: () => findAppointmentByEmrId(this.d.client(), this.d.emrIdMetadataKey, apptId),
        idOf: (x) => x.url,
        ...(this.d.settleMs !== undefined ? { settleMs: this.d.settleMs } : {}),
      }),
    );
    const record = created.record ?? (await this.d.client().getAppointment(created.id));
    const notAfter = endOf(wanted);
    const person = new Map(ev.emrPatientIds.map((id, i) => [id, ev.patients[i]]));
    // Participants come back in the order they were sent (one per EMR patient of the SIU).
    const participantLinks: Link[] = (record.participants ?? []).slice(0, ev.emrPatientIds.length).map((p, i) => {
      const pid = ev.emrPatientIds[i]!;
      const pat = person.get(pid);
      return {
        kind: 'participant',
        sourceSystem: EMR,
        sourceId: `${apptId}/${pid}`,
        targetSystem: ONCALL,
        targetId: p.url,
        parentId: pid,
        projectionHash: pat ? projectionHash(participantProjection(pat)) : null,
        notAfter,
      };
    });
    await this.d.links.putMany([{ kind: 'appointment', sourceSystem: EMR, sourceId: apptId, targetSystem: ONCALL, targetId: created.id, projectionHash: hash, notAfter }, ...participantLinks]);
    await this.reverseLink('appointment', created.id, apptId, emrAppointmentHash(ev.appointment), notAfter);
    c.trace.decision(howWords(wanted.cancelled ? 'Appointment created (cancelled)' : 'Appointment created', created.how), { appointment: apptId, oncall: created.id, participants: participantLinks.length });
  }

  private async patchAppointment(existing: OncallAppointment, wanted: AppointmentCreate, apptId: string, c: ApplyContext): Promise<void> {
    const changes = appointmentPatchFor(existing, wanted);
    if (changes?.appointment) {
      delete changes.appointment.division;
      delete changes.appointment.provider;
    }
    const apptKeys = Object.keys(changes?.appointment ?? {});
    if (!changes || (!apptKeys.length && !changes.participants.length)) {
      c.trace.decision('Already up to date in OnCall: no change sent', { appointment: apptId, oncall: existing.url });
      return;
    }
    if (apptKeys.length) await this.timed(c, 'PATCH', existing.url, () => this.d.client().patchAppointment(existing.url, changes.appointment!));
    for (const p of changes.participants) await this.timed(c, 'PATCH', p.url, () => this.d.client().patchParticipant(p.url, p.patch));
    const what = [...apptKeys, ...(changes.participants.length ? [`${changes.participants.length} participant(s)`] : [])];
    c.trace.decision(`Appointment updated: ${what.join(', ')}`, { appointment: apptId, oncall: existing.url, keys: apptKeys });
    if (changes.participantsToAdd.length) {
      c.trace.decision('A patient added in the EMR cannot be added to an existing OnCall appointment (the API has no such call)', { appointment: apptId });
    }
  }

  private async appointmentBody(ev: AppointmentUpsert): Promise<AppointmentCreate> {
    const place = await this.d.placements.placementFor(ev.emrLocation);
    const patients = ev.patients.map((p) => this.withEmail(p, place.providerEmail));
    const appt = { ...ev.appointment };
    const code = appt.appointmentType?.coding?.[0]?.code ?? appt.serviceType?.[0]?.coding?.[0]?.code;
    const mappedType = code ? this.d.settings.typeByCode[code] : undefined;
    if (mappedType) appt.appointmentType = { coding: [{ system: ONCALL_APPOINTMENT_TYPE_SYSTEM, code: mappedType }] };
    else if (code && !(code.toLowerCase() in APPOINTMENT_TYPE_BY_CODE)) delete appt.appointmentType;
    const body = mapped(() =>
      appointmentToOncall(appt, patients, {
        division: place.division,
        provider: place.provider,
        emrIdMetadataKey: this.d.emrIdMetadataKey,
        metadata: ev.emrPatientIds[0] ? { patient_emr_id: ev.emrPatientIds[0] } : {},
      }),
    );
    if (ev.change === 'cancel' || ev.change === 'delete') body.cancelled = true;
    if (ev.change === 'noshow') body.metadata = { ...body.metadata, noshow: true };
    return body;
  }

  /** OnCall creates a participant only with an e-mail; many EMR patients have none. */
  private withEmail(p: Patient, providerEmail: string | null): Patient {
    if (p.telecom?.some((t) => t.system === 'email' && t.value)) return p;
    const rule = this.d.settings.participantEmailFallback;
    const email = rule === 'provider' ? providerEmail : rule === 'none' ? null : rule;
    if (!email) {
      throw new SyncRefused(
        rule === 'none'
          ? 'a patient of the appointment has no e-mail and the participant e-mail fallback is off (EHR_BRIDGE_SYNC_PARTICIPANT_EMAIL_FALLBACK)'
          : 'a patient of the appointment has no e-mail and the provider has none to use instead',
      );
    }
    return { ...p, telecom: [...(p.telecom ?? []), { system: 'email', value: email }] };
  }

  // ---- merges ----------------------------------------------------------------------------

  async merge(ev: PatientMerge, c: ApplyContext): Promise<void> {
    const { survivorId, retiredId } = ev;
    const moved = await this.d.links.reparent('participant', EMR, retiredId, survivorId);
    const retired = await this.d.links.find('patient', { system: EMR, id: retiredId }, ONCALL);
    const survivor = await this.d.links.find('patient', { system: EMR, id: survivorId }, ONCALL);
    if (!retired) {
      c.trace.decision(`Merge: the retired patient has no OnCall contact; ${moved} participant link(s) moved`, { survivor: survivorId, retired: retiredId });
      return;
    }
    const contact = await this.getContact(retired.targetId, c);
    if (!survivor) {
      // The retired patient's contact becomes the survivor's: its EMR id changes, nothing is duplicated.
      await this.d.links.put({ ...retired, sourceId: survivorId, projectionHash: null, parentId: null });
      await this.d.links.remove('patient', { system: EMR, id: retiredId }, ONCALL);
      if (contact) {
        const patch = { custom_field_values: { ...customFields(contact), [this.d.emrIdField]: survivorId }, notes: appendNote(contact.notes, `Merged from EMR patient ${retiredId}`) };
        await this.timed(c, 'PATCH', contact.url, () => this.d.client().patchContact(contact.url, patch));
      }
      c.trace.decision(`Merge: the contact now stands for the surviving patient; ${moved} participant link(s) moved`, { survivor: survivorId, retired: retiredId });
      return;
    }
    // Both have contacts: OnCall has no delete, so the retired one is marked and left alone.
    if (contact && !(contact.notes ?? '').includes(`Merged into EMR patient ${survivorId}`)) {
      const notes = appendNote(contact.notes, `Merged into EMR patient ${survivorId}`);
      await this.timed(c, 'PATCH', contact.url, () => this.d.client().patchContact(contact.url, { notes }));
    }
    await this.d.links.put({ ...retired, parentId: survivorId, projectionHash: null });
    c.trace.decision(`Merge: the retired patient's contact is marked as merged (OnCall has no delete); ${moved} participant link(s) moved`, { survivor: survivorId, retired: retiredId });
  }

  // ---- sync back hooks (issue 9) ---------------------------------------------------------

  /**
   * The reverse row (OnCall URL -> EMR id) with the hash of what the EMR holds (emr-projection.ts):
   * the webhook or scan that follows our own write compares equal and makes no EMR write (echo).
   */
  private async reverseLink(kind: 'patient' | 'appointment', url: string, emrId: string, hash: string, notAfter?: string | null): Promise<void> {
    await this.d.links.put({ kind, sourceSystem: ONCALL, sourceId: url, targetSystem: EMR, targetId: emrId, projectionHash: hash, ...(notAfter !== undefined ? { notAfter } : {}) });
  }

  /**
   * An EMR record that came from OnCall (the sync back stored the OnCall URL in it) is linked to
   * that record, never created a second time. Only a URL of the right kind that OnCall still has.
   */
  private async linkFromOncallUrl(kind: 'patient' | 'appointment', identifiers: Patient['identifier'], emrId: string, c: ApplyContext): Promise<Link | undefined> {
    const path = kind === 'patient' ? '/contacts/' : '/appointments/';
    const url = identifiers?.find((i) => i.system === IDENTIFIER_SYSTEMS.oncallUrl && i.value?.includes(path))?.value;
    if (!url) return undefined;
    const existing = kind === 'patient' ? await this.getContact(url, c) : await this.getAppointment(url, c);
    if (!existing) return undefined;
    const link: Link = { kind, sourceSystem: EMR, sourceId: emrId, targetSystem: ONCALL, targetId: existing.url };
    await this.d.links.put(link);
    c.trace.decision(`The EMR ${kind} came from OnCall (its OnCall URL is stored in the EMR): linked, not created`, { [kind]: emrId, oncall: existing.url });
    return link;
  }

  // ---- helpers ---------------------------------------------------------------------------

  private async lookupContact(wanted: ContactCreate, emrId: string, c: ApplyContext, scanOnMiss = false): Promise<Contact | null> {
    const hints = { email: wanted.email, phone: wanted.phone, name: wanted.name };
    if (!scanOnMiss && !hints.email && !hints.phone && !hints.name) return null;
    return this.timed(c, 'GET', '/contacts/', () => findContactByEmrId(this.d.client(), this.d.emrIdField, emrId, hints, { scanOnMiss }), 'lookup by EMR id');
  }

  private async getContact(url: string, c: ApplyContext): Promise<Contact | null> {
    try {
      return await this.timed(c, 'GET', url, () => this.d.client().getContact(url));
    } catch (e) {
      if (isPartnerError(e) && e.status === 404) return null;
      throw e;
    }
  }

  private async getAppointment(url: string, c: ApplyContext): Promise<OncallAppointment | null> {
    try {
      return await this.timed(c, 'GET', url, () => this.d.client().getAppointment(url));
    } catch (e) {
      if (isPartnerError(e) && e.status === 404) return null;
      throw e;
    }
  }

  /** Runs one partner call and records it in the trace (method, path, status, time). */
  private async timed<T>(c: ApplyContext, method: string, url: string, fn: () => Promise<T>, note?: string): Promise<T> {
    const t0 = performance.now();
    const path = apiPath(url);
    try {
      const r = await fn();
      c.trace.call(method, path, method === 'POST' ? 201 : 200, Math.round(performance.now() - t0), note);
      return r;
    } catch (e) {
      c.trace.call(method, path, isPartnerError(e) ? (e.status ?? null) : null, Math.round(performance.now() - t0), note);
      throw e;
    }
  }
}

/** `/contacts/17/` whatever the base (`https://api…/contacts/17/`, `/sandbox/oncall/contacts/17/`). */
function apiPath(url: string): string {
  const m = /\/(?:contacts|appointments|participants|providers|divisions)\/.*$/.exec(url.split('?')[0] ?? url);
  return m ? m[0] : url;
}

function mapped<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof OncallMappingError) throw new SyncRefused(`cannot be sent to OnCall: ${e.message}`);
    throw e;
  }
}

/** What a contact's hash covers: everything we send but its placement (sync never moves a contact). */
function contactProjection(c: ContactCreate): Omit<ContactCreate, 'division' | 'provider'> {
  const { division: _d, provider: _p, ...rest } = c;
  return rest;
}

/** The seed's participant fields: name, first_name, last_name, email. */
function participantProjection(p: Patient): { name?: string; first_name?: string; last_name?: string; email?: string } {
  try {
    const c = patientToContactCreate(
      { ...p, identifier: [...(p.identifier ?? []), { system: IDENTIFIER_SYSTEMS.emr, value: 'x' }] },
      { division: '-', provider: '-', emrIdFieldId: '-' },
    );
    return { name: c.name, first_name: c.first_name ?? undefined, last_name: c.last_name ?? undefined, email: c.email?.toLowerCase() };
  } catch {
    return {};
  }
}

function customFields(c: Contact): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const [k, v] of Object.entries(c.custom_field_values ?? {})) if (v !== null && v !== undefined) out[k] = v as string | boolean;
  return out;
}

function appendNote(notes: string | null | undefined, line: string): string {
  const n = (notes ?? '').trim();
  return n ? `${n}\n${line}` : line;
}

function endOf(a: AppointmentCreate): string | null {
  if (!a.datetime) return null;
  return new Date(Date.parse(a.datetime) + (a.duration ?? 0) * 60_000).toISOString();
}

function howWords(what: string, how: 'sent' | 'confirmed-by-lookup' | 'already-done'): string {
  if (how === 'confirmed-by-lookup') return `${what} (confirmed by a lookup after an unclear answer)`;
  if (how === 'already-done') return `${what} (already done by an earlier attempt)`;
  return what;
}

export const contactKey = (emrId: string) => `oncall:contact:create:${emrId}`;
export const appointmentKey = (apptId: string) => `oncall:appointment:create:${apptId}`;

import type { Appointment, AppointmentParticipant, Identifier, Patient } from '@medplum/fhirtypes';
import { IDENTIFIER_SYSTEMS } from '../../../../domain/identifiers.js';
import { projectionHash, SYSTEMS, type Link } from '../../../../links/link-store.js';
import { APPOINTMENT_FIELDS, differingFields, emrAppointmentProjection, type AppointmentField, type EmrAppointmentProjection } from '../../emr-projection.js';
import type { PlatformCanonical, PlatformParticipant } from '../../platform-events.js';
import { SyncRefused, type ApplyContext } from '../../sync-target.js';
import { siuEvent, timedEmr } from './emr-calls.js';
import type { AppointmentWriteChange } from './emr-writer.js';
import { appointmentCreateKey, howWords, ONCALL_PARTICIPANT_URL_SYSTEM, type EmrTargetDeps } from './deps.js';
import type { PatientApply, PersonRef, Resolution } from './patient-apply.js';

const EMR = SYSTEMS.emr;
type CanonicalAppointment = Extract<PlatformCanonical, { kind: 'appointment' }>;

/**
 * Platform appointments applied to the EMR (design "The flow" 3, appointments): found by link,
 * by the EMR id in its metadata, or by its URL as an identifier in the EMR; else created with
 * every participant resolved to an EMR patient the way contacts are (never a guessed patient: a
 * participant waiting for a person holds the appointment back). Changes follow: reschedule,
 * cancel, no-show, modify, with the echo guard and ownership of the patient side.
 */
export class AppointmentApply {
  constructor(
    private readonly d: EmrTargetDeps,
    private readonly patients: PatientApply,
  ) {}

  private get platform(): string {
    return this.d.source.system;
  }

  async apply(canon: CanonicalAppointment, c: ApplyContext): Promise<void> {
    const url = canon.id;
    const w = this.d.writer;
    let found = await this.linkedEmrId(url);
    let how = 'linked';
    if (!found && canon.emrAppointmentId) {
      const id = canon.emrAppointmentId;
      const exists = w.readable ? await timedEmr(c, w.kind, { op: 'read-appointment', id }, () => w.readAppointment(id, c.signal)) : true;
      if (exists) {
        found = id;
        how = 'found by the EMR id in its OnCall metadata';
      }
    }
    if (!found && w.readable) {
      const byId = await timedEmr(c, w.kind, { op: 'search-appointment' }, () => w.findAppointmentByIdentifier({ system: IDENTIFIER_SYSTEMS.oncallUrl, value: url }, c.signal));
      if (byId) {
        found = byId.id;
        how = 'found in the EMR by its OnCall URL';
      }
    }
    if (found) {
      if (how !== 'linked') c.trace.decision(`The EMR appointment was ${how}: linked`, { appointment: url, emrAppointment: found });
      if (await this.update(canon, found, c)) return;
      c.trace.decision('The linked EMR appointment no longer exists: creating it again', { appointment: url, emrAppointment: found });
      await this.d.links.remove('appointment', { system: this.platform, id: url }, EMR);
      await this.d.links.remove('appointment', { system: EMR, id: found }, this.platform);
      await this.d.effects.forget(appointmentCreateKey(url));
    }
    await this.create(canon, c);
  }

  private async linkedEmrId(url: string): Promise<string | undefined> {
    const reverse = await this.d.links.find('appointment', { system: this.platform, id: url }, EMR);
    if (reverse) return reverse.targetId;
    return (await this.d.links.findByTarget({ system: this.platform, id: url })).find((l) => l.kind === 'appointment' && l.sourceSystem === EMR)?.sourceId;
  }

  // ---- create ----------------------------------------------------------------------------

  private async create(canon: CanonicalAppointment, c: ApplyContext): Promise<void> {
    const url = canon.id;
    const w = this.d.writer;
    if (canon.appointment.status === 'cancelled') {
      c.trace.decision('Cancelled in OnCall before it reached the EMR: nothing written', { appointment: url });
      return;
    }
    if (!canon.participants.length) throw new SyncRefused('the OnCall appointment has no participants: an EMR appointment needs a patient');

    // Every participant is resolved before anything is written: one waiting for a person holds
    // the appointment back, and no patient is created for an appointment that does not follow.
    const refs = canon.participants.map(personOf);
    const resolved: Resolution[] = [];
    for (const ref of refs) resolved.push(await this.patients.resolve(ref, c));
    const held = resolved.map((r, i) => ({ r, ref: refs[i]! })).filter((x) => x.r.kind === 'waiting' || x.r.kind === 'ignored');
    if (held.length) {
      for (const { r, ref } of held) c.trace.decision(this.patients.waitingWords(ref, r as Extract<Resolution, { kind: 'waiting' | 'ignored' }>), { appointment: url, [ref.what]: ref.platformId });
      c.trace.decision(`The appointment is not written to the EMR until its ${held.length === 1 ? 'participant is' : `${held.length} participants are`} resolved`, { appointment: url });
      return;
    }
    const emrIds: string[] = [];
    const contactLinks: Array<{ ref: PersonRef; id: string }> = [];
    for (let i = 0; i < refs.length; i++) {
      const r = resolved[i]!;
      const ref = refs[i]!;
      if (r.kind === 'found') {
        emrIds.push(r.emrId);
        if (!r.linked) c.trace.decision(`Participant's EMR patient ${r.how}`, { participant: canon.participants[i]!.id, emrPatient: r.emrId });
        if (ref.what === 'contact' && !r.linked) contactLinks.push({ ref, id: r.emrId });
      } else {
        const made = await this.patients.create(ref, c);
        emrIds.push(made.id);
        if (ref.what === 'contact') contactLinks.push({ ref, id: made.id });
      }
    }
    // Contacts met through a participant: the next contact scan compares them (no hash yet).
    for (const { ref, id } of contactLinks) await this.patients.linkContact(ref.platformId, id, null);

    const appointment = emrAppointment(canon, emrIds);
    const patients = canon.participants.map((p, i) => withEmrId(p.patient, emrIds[i]!));
    const key = { system: IDENTIFIER_SYSTEMS.oncallUrl, value: url };
    const created = await this.d.effects.run<{ id: string }>({
      key: appointmentCreateKey(url),
      target: EMR,
      action: 'create appointment',
      messageId: c.messageId,
      send: () => timedEmr(c, w.kind, { op: 'create-appointment' }, () => w.createAppointment(appointment, key, patients, c.signal)),
      lookup: async () => (w.readable ? await timedEmr(c, w.kind, { op: 'search-appointment' }, () => w.findAppointmentByIdentifier(key, c.signal)) : null),
      idOf: (x) => x.id,
      ...(this.d.settleMs !== undefined ? { settleMs: this.d.settleMs } : {}),
      ...(c.signal ? { signal: c.signal } : {}),
    });
    const projection = emrAppointmentProjection(canon.appointment);
    const notAfter = canon.appointment.end ?? null;
    const forward = await this.d.links.find('appointment', { system: EMR, id: created.id }, this.platform);
    const links: Link[] = [
      { kind: 'appointment', sourceSystem: this.platform, sourceId: url, targetSystem: EMR, targetId: created.id, projectionHash: projectionHash(projection), notAfter },
      ...(forward ? [] : [{ kind: 'appointment' as const, sourceSystem: EMR, sourceId: created.id, targetSystem: this.platform, targetId: url, notAfter }]),
      // The forward sync's participant rows (emr `<appointment>/<patient>` -> participant URL, parent
      // the EMR patient): its participant PATCHes keep working for appointments booked in OnCall.
      ...canon.participants.map((p, i) => participantLink(created.id, emrIds[i]!, p.id, notAfter)),
    ];
    await this.d.links.putMany(links);
    c.trace.decision(howWords(`EMR appointment created with ${emrIds.length} patient(s)`, created.how), { appointment: url, emrAppointment: created.id, emrPatients: emrIds });
  }

  // ---- update ----------------------------------------------------------------------------

  /** False when the linked EMR appointment no longer exists. */
  private async update(canon: CanonicalAppointment, emrId: string, c: ApplyContext): Promise<boolean> {
    const url = canon.id;
    const w = this.d.writer;
    const owners = this.d.settings.owners;
    const wanted = emrAppointmentProjection(canon.appointment);
    const hash = projectionHash(wanted);
    const reverse = await this.d.links.find('appointment', { system: this.platform, id: url }, EMR);
    const detail = { appointment: url, emrAppointment: emrId };
    const known = await this.participantPatients(canon);
    // A participant added in OnCall since: resolved like any (never a guessed patient), then added.
    const added = await this.newcomers(canon, known.byParticipant, c);
    for (const a of added) known.byParticipant.set(a.participant.id, a.emrId);
    const emrPatients = this.inOrder(canon, known.byParticipant);
    const addedWords = added.length ? [`${added.length} participant(s) added`] : [];
    if (reverse?.projectionHash === hash && reverse.targetId === emrId && !added.length) {
      c.trace.decision('Nothing the EMR holds changed: no write', detail);
    } else if (w.readable) {
      const current = await timedEmr(c, w.kind, { op: 'read-appointment', id: emrId }, () => w.readAppointment(emrId, c.signal));
      if (!current) return false;
      const diff = differingFields(wanted, emrAppointmentProjection(current), APPOINTMENT_FIELDS, ['type']);
      const { write, emrOwned } = owners.split('appointment', diff);
      // A participant whose links were missing may already be on the EMR's appointment: linked only.
      const onIt = new Set((current.participant ?? []).map((p) => p.actor?.reference));
      const joining = added.filter((a) => !onIt.has(`Patient/${a.emrId}`));
      const joiningWords = joining.length ? [`${joining.length} participant(s) added`] : [];
      if (!diff.length && !joining.length) c.trace.decision('Already up to date in the EMR: nothing written', detail);
      if (write.length || joining.length) {
        const change = write.length ? changeOf(write, wanted) : 'modify';
        const merged = withParticipants(mergeAppointment(current, canon.appointment, write), joining);
        await timedEmr(c, w.kind, { op: 'update-appointment', id: emrId, hl7: siuEvent(change) }, () => w.updateAppointment(emrId, merged, change, emrPatients.patients, c.signal, { changeKey: String(c.messageId) }));
        c.trace.decision(`EMR appointment ${CHANGE_WORDS[change]}: ${[...write, ...joiningWords].join(', ')}`, { ...detail, fields: write, change });
      }
      if (emrOwned.length) c.trace.decision(`OnCall changed ${emrOwned.join(', ')}, which the EMR owns: not written`, { ...detail, fields: emrOwned });
    } else {
      // An HL7 EMR cannot be read back: the change is told apart by the status and by the end
      // time last written (kept on the reverse link's not_after).
      const mine = APPOINTMENT_FIELDS.filter((f) => wanted[f] !== undefined && owners.owner('appointment', f) === 'oncall');
      const theirs = APPOINTMENT_FIELDS.filter((f) => wanted[f] !== undefined && owners.owner('appointment', f) === 'emr');
      const moved = !reverse?.notAfter || minuteOf(reverse.notAfter) !== wanted.end;
      const change: AppointmentWriteChange = wanted.status === 'cancelled' ? 'cancel' : wanted.status === 'noshow' ? 'noshow' : moved ? 'reschedule' : 'modify';
      const allowed =
        added.length > 0 || (change === 'cancel' || change === 'noshow' ? mine.includes('status') : change === 'reschedule' ? mine.includes('start') || mine.includes('end') : mine.length > 0);
      if (allowed) {
        // Participants still waiting for a person are left out of the PID list, as in a create.
        const appointment = emrAppointment(canon, emrPatients.ids, emrPatients.participantIds);
        await timedEmr(c, w.kind, { op: 'update-appointment', id: emrId, hl7: siuEvent(change) }, () => w.updateAppointment(emrId, appointment, change, emrPatients.patients, c.signal, { changeKey: String(c.messageId) }));
        c.trace.decision(`EMR appointment ${CHANGE_WORDS[change]} (${siuEvent(change)})${added.length ? `, ${addedWords[0]}` : ''}`, { ...detail, change });
      } else {
        c.trace.decision(`OnCall changed the appointment, which the EMR owns: not written (the EMR owns ${theirs.join(', ')})`, detail);
      }
    }
    const forward = await this.d.links.find('appointment', { system: EMR, id: emrId }, this.platform);
    const notAfter = canon.appointment.end ?? reverse?.notAfter ?? null;
    await this.d.links.putMany([
      { kind: 'appointment', sourceSystem: this.platform, sourceId: url, targetSystem: EMR, targetId: emrId, projectionHash: hash, notAfter },
      ...(forward ? [] : [{ kind: 'appointment' as const, sourceSystem: EMR, sourceId: emrId, targetSystem: this.platform, targetId: url, notAfter }]),
      ...added.map((a) => participantLink(emrId, a.emrId, a.participant.id, notAfter)),
    ]);
    // The seed: an appointment update may be a participant's change; each linked one is compared.
    const fresh = new Set(added.map((a) => a.participant.id));
    for (const p of canon.participants) {
      const pid = known.byParticipant.get(p.id);
      if (pid && !p.contactId && !fresh.has(p.id)) await this.patients.update('participant', p.id, pid, p.patient, c);
    }
    return true;
  }

  /** Participants without an EMR patient linked: resolved (or created); those waiting for a person are said and skipped. */
  private async newcomers(canon: CanonicalAppointment, known: ReadonlyMap<string, string>, c: ApplyContext): Promise<Array<{ participant: PlatformParticipant; emrId: string }>> {
    const out: Array<{ participant: PlatformParticipant; emrId: string }> = [];
    for (const p of canon.participants) {
      if (known.has(p.id)) continue;
      const ref = personOf(p);
      const r = await this.patients.resolve(ref, c);
      if (r.kind === 'waiting' || r.kind === 'ignored') {
        c.trace.decision(this.patients.waitingWords(ref, r), { appointment: canon.id, participant: p.id });
        continue;
      }
      const emrId = r.kind === 'found' ? r.emrId : (await this.patients.create(ref, c)).id;
      if (ref.what === 'contact' && !(r.kind === 'found' && r.linked)) await this.patients.linkContact(ref.platformId, emrId, null);
      out.push({ participant: p, emrId });
    }
    return out;
  }

  private inOrder(canon: CanonicalAppointment, byParticipant: ReadonlyMap<string, string>): { ids: string[]; participantIds: string[]; patients: Patient[] } {
    const ids: string[] = [];
    const participantIds: string[] = [];
    const patients: Patient[] = [];
    for (const p of canon.participants) {
      const id = byParticipant.get(p.id);
      if (!id) continue;
      ids.push(id);
      participantIds.push(p.id);
      patients.push(withEmrId(p.patient, id));
    }
    return { ids, participantIds, patients };
  }

  /** The EMR patients of the participants, from the participant links (for an HL7 EMR's PID segments). */
  private async participantPatients(canon: CanonicalAppointment): Promise<{ byParticipant: Map<string, string> }> {
    const byParticipant = new Map<string, string>();
    for (const p of canon.participants) {
      const link = (await this.d.links.findByTarget({ system: this.platform, id: p.id })).find((l) => l.kind === 'participant' && l.sourceSystem === EMR && l.parentId);
      const reverse = link ? undefined : await this.d.links.find('participant', { system: this.platform, id: p.id }, EMR);
      const id = link?.parentId ?? reverse?.targetId;
      if (id) byParticipant.set(p.id, id);
    }
    return { byParticipant };
  }
}

const CHANGE_WORDS: Record<AppointmentWriteChange, string> = {
  new: 'created',
  reschedule: 'rescheduled',
  modify: 'updated',
  cancel: 'cancelled',
  noshow: 'marked as a no-show',
};

function minuteOf(iso: string): string | undefined {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : `${new Date(t).toISOString().slice(0, 16)}Z`;
}

/** Status wins (cancel, no-show), then a move in time, then anything else. */
export function changeOf(fields: readonly AppointmentField[], wanted: EmrAppointmentProjection): AppointmentWriteChange {
  if (fields.includes('status') && wanted.status === 'cancelled') return 'cancel';
  if (fields.includes('status') && wanted.status === 'noshow') return 'noshow';
  if (fields.includes('start') || fields.includes('end')) return 'reschedule';
  return 'modify';
}

/** The forward sync's participant row: emr `<appointment>/<patient>` -> participant URL, parent the EMR patient. */
function participantLink(emrAppointmentId: string, emrPatientId: string, participantUrl: string, notAfter: string | null): Link {
  return { kind: 'participant', sourceSystem: EMR, sourceId: `${emrAppointmentId}/${emrPatientId}`, targetSystem: SYSTEMS.oncall, targetId: participantUrl, parentId: emrPatientId, notAfter };
}

/** Adds participants to the EMR's appointment: a Patient reference each, its URL as identifier. */
function withParticipants(a: Appointment, added: ReadonlyArray<{ participant: PlatformParticipant; emrId: string }>): Appointment {
  if (!added.length) return a;
  return {
    ...a,
    participant: [...(a.participant ?? []), ...added.map((x) => ({ actor: { reference: `Patient/${x.emrId}` }, status: 'accepted' as const }))],
    identifier: [...(a.identifier ?? []), ...added.map((x) => ({ system: ONCALL_PARTICIPANT_URL_SYSTEM, value: x.participant.id }))],
  };
}

function personOf(p: PlatformParticipant): PersonRef {
  if (p.contactId) return { platformId: p.contactId, what: 'contact', patient: p.patient, participantUrl: p.id, ...(p.emrPatientId ? { emrPatientId: p.emrPatientId } : {}) };
  return { platformId: p.id, what: 'participant', patient: p.patient, ...(p.emrPatientId ? { emrPatientId: p.emrPatientId } : {}) };
}

function withEmrId(p: Patient, emrId: string): Patient {
  const { id: _id, ...rest } = p;
  return { ...rest, identifier: [{ system: IDENTIFIER_SYSTEMS.emr, value: emrId }, ...(rest.identifier ?? []).filter((i) => i.system !== IDENTIFIER_SYSTEMS.emr)] };
}

/**
 * The platform appointment as the EMR gets it: participants point at EMR patients, the
 * appointment URL and the participants' URLs are identifiers (the seed's advice), nothing
 * contained, no platform-local or EMR id.
 */
export function emrAppointment(canon: CanonicalAppointment, emrIds: readonly string[], participantIds: readonly string[] = canon.participants.map((p) => p.id)): Appointment {
  const { id: _id, meta: _meta, contained: _contained, ...rest } = canon.appointment;
  const identifier: Identifier[] = [
    ...(rest.identifier ?? []).filter((i) => i.system !== IDENTIFIER_SYSTEMS.emr && i.system !== IDENTIFIER_SYSTEMS.oncallUrl && i.system !== ONCALL_PARTICIPANT_URL_SYSTEM),
    { system: IDENTIFIER_SYSTEMS.oncallUrl, value: canon.id },
    ...participantIds.map((value) => ({ system: ONCALL_PARTICIPANT_URL_SYSTEM, value })),
  ];
  // The platform's participant statuses, in the platform's order (declined when cancelled there).
  const statusOf = new Map(canon.participants.map((p, i) => [p.id, rest.participant?.[i]?.status ?? 'accepted']));
  const participant: AppointmentParticipant[] = emrIds.map((id, i) => ({
    actor: { reference: `Patient/${id}` },
    status: statusOf.get(participantIds[i] ?? '') ?? 'accepted',
  }));
  return { ...rest, resourceType: 'Appointment', identifier, participant };
}

/** `current` (as the EMR holds it) with the given fields taken from the platform's appointment. */
export function mergeAppointment(current: Appointment, from: Appointment, fields: readonly AppointmentField[]): Appointment {
  const out: Appointment = structuredClone(current);
  if (fields.includes('start') && from.start) out.start = from.start;
  if (fields.includes('end') && from.end) out.end = from.end;
  if ((fields.includes('start') || fields.includes('end')) && from.minutesDuration) out.minutesDuration = from.minutesDuration;
  if (fields.includes('status') && from.status) out.status = from.status;
  if (fields.includes('type') && from.appointmentType) out.appointmentType = from.appointmentType;
  return out;
}

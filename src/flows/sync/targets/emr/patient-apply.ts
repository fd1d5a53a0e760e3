import type { ContactPoint, HumanName, Identifier, Patient } from '@medplum/fhirtypes';
import { IDENTIFIER_SYSTEMS } from '../../../../domain/identifiers.js';
import { projectionHash, SYSTEMS, type LinkKind } from '../../../../links/link-store.js';
import { differingFields, emrPatientProjection, PATIENT_FIELDS, type PatientField } from '../../emr-projection.js';
import type { ApplyContext } from '../../sync-target.js';
import { SyncRefused } from '../../sync-target.js';
import { timedEmr } from './emr-calls.js';
import type { EmrPatientFound } from './emr-writer.js';
import { howWords, ONCALL_PARTICIPANT_URL_SYSTEM, patientCreateKey, type EmrTargetDeps } from './deps.js';
import { classifyCandidates, demographicQuery } from './patient-match.js';
import { SyncReviews, type SyncReview } from './reviews.js';

const EMR = SYSTEMS.emr;

/**
 * A person on the platform: a roster contact, or a participant of an appointment (with the
 * contact it stands for when the platform says so: then it is resolved as that contact).
 */
export interface PersonRef {
  /** The contact URL; the participant URL for a participant without a contact. */
  platformId: string;
  what: 'contact' | 'participant';
  patient: Patient;
  /** The EMR id the platform holds (contact custom field, appointment metadata). */
  emrPatientId?: string;
  /** A participant's URL, kept as an identifier on a patient created from it. */
  participantUrl?: string;
}

export type Resolution =
  | { kind: 'found'; emrId: string; how: string; linked: boolean }
  | { kind: 'waiting'; review: SyncReview; opened: boolean }
  | { kind: 'ignored'; review: SyncReview }
  | { kind: 'none' };

/**
 * Finding and writing patients (design "The flow" 3, patients): link first (the forward sync's
 * row found by its target, or our reverse row), then the EMR id the platform holds, then the
 * platform URL as an identifier in the EMR, then the demographic match; nothing found -> a
 * create that cannot happen twice (effects, conditional create on the URL).
 */
export class PatientApply {
  readonly reviews: SyncReviews;

  constructor(private readonly d: EmrTargetDeps) {
    this.reviews = new SyncReviews(d.db);
  }

  private get platform(): string {
    return this.d.source.system;
  }

  private idSystem(ref: PersonRef): string {
    return ref.what === 'contact' ? IDENTIFIER_SYSTEMS.oncallUrl : ONCALL_PARTICIPANT_URL_SYSTEM;
  }

  async resolve(ref: PersonRef, c: ApplyContext): Promise<Resolution> {
    const linked = await this.linkedEmrId(ref);
    if (linked) return { kind: 'found', emrId: linked, how: 'linked', linked: true };

    const w = this.d.writer;
    if (ref.emrPatientId) {
      // An HL7 EMR cannot be asked: the id OnCall holds was put there by the forward sync or a person.
      const exists = w.readable ? await timedEmr(c, w.kind, { op: 'read-patient', id: ref.emrPatientId }, () => w.readPatient(ref.emrPatientId!, c.signal)) : true;
      if (exists) return { kind: 'found', emrId: ref.emrPatientId, how: `found by the EMR id the OnCall ${ref.what} holds`, linked: false };
      c.trace.decision(`The EMR id the OnCall ${ref.what} holds is not in the EMR: looking further`, { [ref.what]: ref.platformId });
    }

    if (w.readable) {
      const key = { system: this.idSystem(ref), value: ref.platformId };
      const byId = await timedEmr(c, w.kind, { op: 'search-patient', by: 'identifier' }, () => w.findPatientsByIdentifier(key, c.signal));
      const ids = [...new Set(byId.map((p) => p.id))];
      if (ids.length === 1) return { kind: 'found', emrId: ids[0]!, how: `found in the EMR by the OnCall ${ref.what} URL`, linked: false };
      if (ids.length > 1) return this.wait(ref, ids, `${ids.length} EMR patients carry this OnCall ${ref.what} URL`, c);
    }

    const review = await this.reviews.latestFor(this.platform, ref.platformId);
    if (review?.status === 'open') return { kind: 'waiting', review, opened: false };
    if (review?.status === 'linked' && review.resolvedTo) return { kind: 'found', emrId: review.resolvedTo, how: 'linked by a person', linked: false };
    if (review?.status === 'ignored') return { kind: 'ignored', review };
    // `created`: a person said it is a new patient; the match would only find the same candidates.
    if (review?.status === 'created' || !w.readable) return { kind: 'none' };

    const query = demographicQuery(ref.patient);
    if (!query) return { kind: 'none' };
    const found: EmrPatientFound[] = await timedEmr(c, w.kind, { op: 'search-patient', by: 'demographics' }, () => w.findPatientsByDemographics(query, c.signal));
    const fields = ref.what === 'participant' ? this.d.settings.participantMatch : this.d.settings.match;
    const outcome = classifyCandidates(ref.patient, found, fields);
    if (outcome.kind === 'certain') return { kind: 'found', emrId: outcome.emrId, how: `matched on ${fields.join(', ')}`, linked: false };
    if (outcome.kind === 'uncertain') return this.wait(ref, outcome.candidates, outcome.reason, c);
    return { kind: 'none' };
  }

  private async wait(ref: PersonRef, candidates: string[], reason: string, c: ApplyContext): Promise<Resolution> {
    const r = await this.reviews.open({ kind: 'patient', platformSystem: this.platform, platformId: ref.platformId, candidates, reason, messageId: c.messageId });
    return { kind: 'waiting', review: r.review, opened: r.opened };
  }

  /** The EMR patient a person is linked to: our reverse row, the forward sync's row, a participant's parent. */
  private async linkedEmrId(ref: PersonRef): Promise<string | undefined> {
    const kind: LinkKind = ref.what === 'contact' ? 'patient' : 'participant';
    const reverse = await this.d.links.find(kind, { system: this.platform, id: ref.platformId }, EMR);
    if (reverse) return reverse.targetId;
    const forward = (await this.d.links.findByTarget({ system: this.platform, id: ref.platformId })).find((l) => l.kind === kind && l.sourceSystem === EMR);
    if (!forward) return undefined;
    return kind === 'participant' ? (forward.parentId ?? undefined) : forward.sourceId;
  }

  /** The sentence a waiting or ignored resolution leaves in the trace. */
  waitingWords(ref: PersonRef, r: Extract<Resolution, { kind: 'waiting' | 'ignored' }>): string {
    if (r.kind === 'ignored') return `A person chose to leave this OnCall ${ref.what} out of the EMR (review ${r.review.id}): nothing written`;
    const ids = r.review.candidates.join(', ');
    return r.opened
      ? `Waiting for a person: possible match with EMR patient(s) ${ids} (${r.review.reason}); review ${r.review.id} opened, nothing written`
      : `Still waiting for a person: review ${r.review.id} is already open for this OnCall ${ref.what}; nothing added, nothing written`;
  }

  /** Creates the patient in the EMR (exactly once per platform id) and returns its EMR id. */
  async create(ref: PersonRef, c: ApplyContext): Promise<{ id: string; how: 'sent' | 'confirmed-by-lookup' | 'already-done' }> {
    const w = this.d.writer;
    const key = { system: this.idSystem(ref), value: ref.platformId };
    const patient = patientForCreate(ref);
    // Calls are traced inside: an effect already done sends nothing, a lookup is a search.
    const created = await this.d.effects.run<{ id: string }>({
      key: patientCreateKey(ref.platformId),
      target: EMR,
      action: 'create patient',
      messageId: c.messageId,
      send: () => timedEmr(c, w.kind, { op: 'create-patient' }, () => w.createPatient(patient, key, c.signal)),
      lookup: async () =>
        w.readable ? ((await timedEmr(c, w.kind, { op: 'search-patient', by: 'identifier' }, () => w.findPatientsByIdentifier(key, c.signal)))[0] ?? null) : null,
      idOf: (x) => x.id,
      ...(this.d.settleMs !== undefined ? { settleMs: this.d.settleMs } : {}),
      ...(c.signal ? { signal: c.signal } : {}),
    });
    c.trace.decision(howWords(`EMR patient created from the OnCall ${ref.what}`, created.how), { [ref.what]: ref.platformId, emrPatient: created.id });
    return { id: created.id, how: created.how };
  }

  /** Links a contact both ways: our reverse row with the hash, the forward row unless the EMR patient has one. */
  async linkContact(contactUrl: string, emrId: string, hash: string | null): Promise<void> {
    const forward = await this.d.links.find('patient', { system: EMR, id: emrId }, this.platform);
    await this.d.links.putMany([
      { kind: 'patient', sourceSystem: this.platform, sourceId: contactUrl, targetSystem: EMR, targetId: emrId, projectionHash: hash },
      // Another contact already stands for this EMR patient (a duplicate in OnCall): that link stays.
      ...(forward ? [] : [{ kind: 'patient' as const, sourceSystem: EMR, sourceId: emrId, targetSystem: this.platform, targetId: contactUrl }]),
    ]);
  }

  /**
   * Applies what changed on the platform to a linked EMR patient (design "Updates"): the echo
   * guard first (projection hash equal to the reverse row's), then field by field against what
   * the EMR holds, ownership deciding what is written and what is only reported. Returns false
   * when the linked EMR patient no longer exists (the caller creates it again).
   */
  async update(kind: 'patient' | 'participant', platformId: string, emrId: string, patient: Patient, c: ApplyContext): Promise<boolean> {
    const w = this.d.writer;
    const owners = this.d.settings.owners;
    const reverse = await this.d.links.find(kind, { system: this.platform, id: platformId }, EMR);
    const wanted = emrPatientProjection(patient);
    const hash = projectionHash(wanted);
    const detail = { emrPatient: emrId, [kind === 'patient' ? 'contact' : 'participant']: platformId };
    if (reverse?.projectionHash === hash && reverse.targetId === emrId) {
      c.trace.decision('Nothing the EMR holds changed: no write', detail);
      return true;
    }
    if (w.readable) {
      const current = await timedEmr(c, w.kind, { op: 'read-patient', id: emrId }, () => w.readPatient(emrId, c.signal));
      if (!current) return false;
      // A participant's e-mail may be the provider's (the forward sync's fallback for a patient
      // without one): what the EMR lacks is never filled from a participant.
      const diff = differingFields(wanted, emrPatientProjection(current), PATIENT_FIELDS, kind === 'participant' ? PATIENT_FIELDS : []);
      const { write, emrOwned } = owners.split('patient', diff);
      if (!diff.length) c.trace.decision('Already up to date in the EMR: nothing written', detail);
      if (write.length) {
        await timedEmr(c, w.kind, { op: 'update-patient', id: emrId }, () => w.updatePatient(emrId, mergePatient(current, patient, write), c.signal, { changeKey: String(c.messageId) }));
        c.trace.decision(`EMR patient updated: ${write.join(', ')}`, { ...detail, fields: write });
      }
      if (emrOwned.length) c.trace.decision(`OnCall changed ${emrOwned.join(', ')}, which the EMR owns: not written`, { ...detail, fields: emrOwned });
    } else {
      // An HL7 EMR cannot be read back: which field changed is unknown. The fields OnCall owns are
      // sent as OnCall has them (A08); the EMR's own fields are left out of the message.
      const mine = PATIENT_FIELDS.filter((f) => wanted[f] !== undefined && owners.owner('patient', f) === 'oncall');
      const theirs = PATIENT_FIELDS.filter((f) => wanted[f] !== undefined && owners.owner('patient', f) === 'emr');
      if (mine.length) {
        const base: Patient = { resourceType: 'Patient', identifier: [{ system: IDENTIFIER_SYSTEMS.emr, value: emrId }] };
        await timedEmr(c, w.kind, { op: 'update-patient', id: emrId }, () => w.updatePatient(emrId, mergePatient(base, patient, mine), c.signal, { changeKey: String(c.messageId) }));
        c.trace.decision(`EMR patient updated with the fields OnCall owns: ${mine.join(', ')}`, { ...detail, fields: mine });
      }
      if (theirs.length && reverse) {
        c.trace.decision(`OnCall changed the patient, which the EMR owns: not written (the EMR cannot be read back, so the changed field is not known; the EMR owns ${theirs.join(', ')})`, { ...detail, fields: theirs });
      }
    }
    // Also after a report: the same difference is not reported again on every scan.
    if (kind === 'patient') await this.linkContact(platformId, emrId, hash);
    else await this.d.links.put({ kind, sourceSystem: this.platform, sourceId: platformId, targetSystem: EMR, targetId: emrId, projectionHash: hash });
    return true;
  }
}

/** The platform patient as the EMR gets it: its URL as identifier (the seed's advice), no EMR id, no platform-local id. */
export function patientForCreate(ref: PersonRef): Patient {
  const { id: _id, meta: _meta, ...rest } = ref.patient;
  const identifier: Identifier[] = (rest.identifier ?? []).filter((i) => i.system !== IDENTIFIER_SYSTEMS.emr && i.system !== IDENTIFIER_SYSTEMS.oncallUrl && i.system !== ONCALL_PARTICIPANT_URL_SYSTEM);
  if (ref.what === 'contact') identifier.push({ system: IDENTIFIER_SYSTEMS.oncallUrl, value: ref.platformId });
  const participant = ref.participantUrl ?? (ref.what === 'participant' ? ref.platformId : undefined);
  if (participant) identifier.push({ system: ONCALL_PARTICIPANT_URL_SYSTEM, value: participant });
  const out: Patient = { ...rest, resourceType: 'Patient', identifier };
  if (!(out.name ?? []).some((n) => n.family?.trim() || n.given?.some((g) => g.trim()) || n.text?.trim())) {
    throw new SyncRefused(`the OnCall ${ref.what} has no name: an EMR patient cannot be created without one`);
  }
  return out;
}

function mainNameIndex(names: HumanName[]): number {
  const live = names.map((n, i) => ({ n, i })).filter(({ n }) => n.use !== 'old' && !n.period?.end);
  return (live.find(({ n }) => n.use === 'official') ?? live.find(({ n }) => n.use === 'usual') ?? live[0])?.i ?? -1;
}

function setTelecom(telecom: ContactPoint[], system: 'email' | 'phone', value: string | undefined): ContactPoint[] {
  if (!value) return telecom;
  const i = telecom.findIndex((t) => (t.system === system || (system === 'phone' && t.system === 'sms')) && t.use !== 'old' && !t.period?.end);
  if (i < 0) return [...telecom, { system, value }];
  return telecom.map((t, j) => (j === i ? { ...t, value } : t));
}

/** `current` with the given fields taken from `from` (the rest of the EMR resource untouched). */
export function mergePatient(current: Patient, from: Patient, fields: readonly PatientField[]): Patient {
  const out: Patient = structuredClone(current);
  const fromName = (from.name ?? [])[mainNameIndex(from.name ?? [])];
  if ((fields.includes('family') || fields.includes('given')) && fromName) {
    const names = out.name ? [...out.name] : [];
    let i = mainNameIndex(names);
    if (i < 0) {
      names.push({ use: 'official' });
      i = names.length - 1;
    }
    const n: HumanName = { ...names[i] };
    if (fields.includes('family') && fromName.family) n.family = fromName.family.trim();
    if (fields.includes('given') && fromName.given?.length) n.given = fromName.given.map((g) => g.trim());
    // A stale text would contradict the parts just written.
    delete n.text;
    names[i] = n;
    out.name = names;
  }
  if (fields.includes('birthDate') && from.birthDate) out.birthDate = from.birthDate;
  if (fields.includes('gender') && from.gender) out.gender = from.gender;
  const pick = (system: 'email' | 'phone') => (from.telecom ?? []).find((t) => (t.system === system || (system === 'phone' && t.system === 'sms')) && t.value?.trim())?.value?.trim();
  let telecom = out.telecom ?? [];
  if (fields.includes('email')) telecom = setTelecom(telecom, 'email', pick('email'));
  if (fields.includes('phone')) telecom = setTelecom(telecom, 'phone', pick('phone'));
  if (telecom.length) out.telecom = telecom;
  return out;
}

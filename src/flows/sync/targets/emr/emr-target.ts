import { isPartnerError } from '../../../../partners/partner-error.js';
import { SYSTEMS } from '../../../../links/link-store.js';
import { emrPatientHash } from '../../emr-projection.js';
import type { PlatformCanonical, PlatformRecordEvent } from '../../platform-events.js';
import { SyncRefused, type ApplyContext, type EmrSyncTarget } from '../../sync-target.js';
import { AppointmentApply } from './appointment-apply.js';
import { patientCreateKey, type EmrTargetDeps } from './deps.js';
import { PatientApply, type PersonRef } from './patient-apply.js';
import type { SyncReviews } from './reviews.js';

/**
 * The EMR as a sync target (issue 9, "OnCall -> EMR"; seed oncall-patient-sync-guide.txt, "Using
 * OnCall Health as the system of record"): a platform record, fetched when the message only
 * names it (a webhook), read as canonical FHIR by the platform's source, then applied to the EMR
 * through its writer (FHIR R4 or HL7 v2). Every decision and call goes to the message's trace.
 *
 *   new EmrTarget({ source, writer, links, effects, db, settings: emrTargetSettings(env), settleMs? })
 */
export class EmrTarget implements EmrSyncTarget {
  readonly label: string;
  private readonly patients: PatientApply;
  private readonly appointments: AppointmentApply;

  constructor(private readonly d: EmrTargetDeps) {
    this.label = d.writer.label;
    this.patients = new PatientApply(d);
    this.appointments = new AppointmentApply(d, this.patients);
  }

  /** The match reviews this target opens (for the Reconciliation page). */
  get reviews(): SyncReviews {
    return this.patients.reviews;
  }

  async record(ev: PlatformRecordEvent, c: ApplyContext): Promise<void> {
    if (ev.system !== this.d.source.system) throw new SyncRefused(`no platform source for ${ev.system} (this target reads ${this.d.source.system})`);
    let record = ev.record;
    if (record === undefined || record === null) {
      record = await this.fetch(ev, c);
      if (record === null) {
        c.trace.decision(`Deleted in ${this.d.source.label} since (${ev.via}): nothing written to the EMR`, { [ev.kind]: ev.id });
        return;
      }
    }
    const canon = this.d.source.toCanonical(ev.kind, record);
    if (canon.kind === 'patient') await this.contact(canon, c);
    else await this.appointments.apply(canon, c);
  }

  private async contact(canon: Extract<PlatformCanonical, { kind: 'patient' }>, c: ApplyContext): Promise<void> {
    const url = canon.id;
    const ref: PersonRef = { platformId: url, what: 'contact', patient: canon.patient, ...(canon.emrPatientId ? { emrPatientId: canon.emrPatientId } : {}) };
    const r = await this.patients.resolve(ref, c);
    if (r.kind === 'waiting' || r.kind === 'ignored') {
      c.trace.decision(this.patients.waitingWords(ref, r), { contact: url, ...(r.kind === 'waiting' ? { review: r.review.id, candidates: r.review.candidates } : {}) });
      return;
    }
    if (r.kind === 'found') {
      if (!r.linked) c.trace.decision(`The EMR patient was ${r.how}: linked`, { contact: url, emrPatient: r.emrId });
      if (await this.patients.update('patient', url, r.emrId, canon.patient, c)) return;
      c.trace.decision('The linked EMR patient no longer exists: creating it again', { contact: url, emrPatient: r.emrId });
      await this.d.links.remove('patient', { system: this.d.source.system, id: url }, SYSTEMS.emr);
      const forward = await this.d.links.find('patient', { system: SYSTEMS.emr, id: r.emrId }, this.d.source.system);
      if (forward?.targetId === url) await this.d.links.remove('patient', { system: SYSTEMS.emr, id: r.emrId }, this.d.source.system);
      await this.d.effects.forget(patientCreateKey(url));
    }
    // Nothing in the EMR is this contact: created, with its URL as identifier, then linked both ways.
    const made = await this.patients.create(ref, c);
    await this.patients.linkContact(url, made.id, emrPatientHash(canon.patient));
  }

  private async fetch(ev: PlatformRecordEvent, c: ApplyContext): Promise<unknown> {
    const t0 = performance.now();
    const path = platformPath(ev.id);
    try {
      const r = await this.d.source.fetch(ev.kind, ev.id, c.signal);
      c.trace.call('GET', path, r === null ? 404 : 200, Math.round(performance.now() - t0));
      return r;
    } catch (e) {
      c.trace.call('GET', path, isPartnerError(e) ? (e.status ?? null) : null, Math.round(performance.now() - t0));
      throw e;
    }
  }
}

/** `/appointments/17/` whatever the base, as the OnCall target writes its paths. */
function platformPath(url: string): string {
  const m = /\/(?:contacts|appointments|participants)\/.*$/.exec(url.split('?')[0] ?? url);
  return m ? m[0] : url;
}

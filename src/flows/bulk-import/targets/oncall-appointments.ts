import type { OncallClient } from '../../../partners/oncall/client.js';
import { findAppointmentByEmrId, scanAppointmentsByEmrId } from '../../../partners/oncall/lookup.js';
import { appointmentPatchFor, appointmentToOncall, type AppointmentChanges } from '../../../partners/oncall/mapping.js';
import type { AppointmentCreate } from '../../../partners/oncall/schemas.js';
import { IDENTIFIER_SYSTEMS } from '../../../domain/identifiers.js';
import type { ImportRecord } from '../mapping/import-record.js';
import type { MappingOptions } from '../mapping/template.js';
import type { RunOptions } from '../run-options.js';
import { splitParticipants } from '../validation/participants.js';
import { recordToAppointment } from '../validation/to-fhir.js';
import type { ImportTarget, ScanProgress } from './import-target.js';
import { divisionPath, oncallRelationUrl } from './oncall-refs.js';
import { EMR_STATUS_RECORD_KEYS } from '../fhir/emr-appointment.js';

export interface OncallAppointmentsSettings {
  baseUrl: string;
  emrIdMetadataKey: string;
  defaults: RunOptions['defaults'];
  mappingOptions: MappingOptions;
}

/**
 * Appointments with participants in OnCall Health. The EMR id goes into `metadata`, as the
 * guides recommend; participants cannot be queried on their own, so the appointment (and its
 * participant URLs) is what we keep a reference to.
 */
export class OncallAppointmentsTarget implements ImportTarget<AppointmentCreate> {
  readonly target = 'oncall';
  readonly kind = 'appointment';

  constructor(
    private readonly client: OncallClient,
    private readonly s: OncallAppointmentsSettings,
  ) {}

  prepare(record: ImportRecord): AppointmentCreate {
    const division = record.division || this.s.defaults.division;
    if (!division) throw new Error('no division: choose one for the whole file or map a column to it');
    const provider = record.provider || this.s.defaults.provider;
    const appt = recordToAppointment(record, this.s.mappingOptions);
    const emrId = record.emrId || undefined;
    if (!emrId) appt.identifier = [{ system: IDENTIFIER_SYSTEMS.emr, value: '-' }];
    const payload = appointmentToOncall(appt, undefined, {
      division: oncallRelationUrl(this.s.baseUrl, 'divisions', division),
      ...(provider ? { provider: oncallRelationUrl(this.s.baseUrl, 'providers', provider) } : {}),
      emrIdMetadataKey: this.s.emrIdMetadataKey,
      metadata: this.mappedMetadata(record),
    });
    if (!emrId && payload.metadata) delete payload.metadata[this.s.emrIdMetadataKey];
    // Set from the EMR's status by fhir/emr-appointment.ts (never by a CSV mapping): a cancelled
    // visit is created cancelled (the sandbox and partner-apis.md take `cancelled` on create), a
    // no-show too, recorded in metadata. Participants are left as they are.
    if (record[EMR_STATUS_RECORD_KEYS.cancelled] === 'true') payload.cancelled = true;
    if (record[EMR_STATUS_RECORD_KEYS.noshow] === 'true') payload.metadata = { ...payload.metadata, noshow: true };
    if (payload.metadata && !Object.keys(payload.metadata).length) delete payload.metadata;
    // Fees are per participant (the cell "75;0" is aligned by position with the names), while
    // the FHIR mapping knows one fee for all: set each one from the participant it belongs to.
    const people = splitParticipants(record, this.s.mappingOptions.participantSeparator);
    payload.participants.forEach((p, i) => {
      const fee = people[i]?.fee;
      if (fee) p.fee = Number(fee);
    });
    return payload;
  }

  /**
   * The mapped `metadata.<key>` values. The EMR-id key is the engine's own: the EMR id always
   * wins over a mapped key of that name, and a row without an EMR id that maps one is refused
   * (its value would otherwise pass for an EMR id in every later lookup).
   */
  private mappedMetadata(record: ImportRecord): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(record)) {
      if (!k.startsWith('metadata.') || v === '') continue;
      const key = k.slice('metadata.'.length);
      if (key === this.s.emrIdMetadataKey) {
        if (!record.emrId) throw new Error(`metadata key "${key}" is reserved for the EMR id; map the EMR id instead`);
        continue;
      }
      out[key] = v;
    }
    return out;
  }

  async *scanExisting(onPage?: ScanProgress) {
    for await (const [emrId, appt] of scanAppointmentsByEmrId(this.client, this.s.emrIdMetadataKey, onPage ? { onPage } : {})) {
      yield { key: `emr:${emrId}`, url: appt.url, scope: divisionPath(appt.division) };
    }
  }

  scopeOf(payload: AppointmentCreate): string {
    return divisionPath(payload.division);
  }

  async create(payload: AppointmentCreate): Promise<string> {
    return (await this.client.createAppointment(payload)).url;
  }

  async find(payload: AppointmentCreate, emrId: string | undefined): Promise<string | null> {
    if (emrId) return (await findAppointmentByEmrId(this.client, this.s.emrIdMetadataKey, emrId, { division: payload.division }))?.url ?? null;
    for await (const a of this.client.appointments()) if (appointmentPatchFor(a, payload) === null) return a.url;
    return null;
  }

  async diff(url: string, payload: AppointmentCreate) {
    let existing;
    try {
      existing = await this.client.getAppointment(url);
    } catch (e) {
      if ((e as { status?: number }).status === 404) return 'gone' as const;
      throw e;
    }
    const changes = appointmentPatchFor(existing, payload);
    if (!changes) return null;
    const changed = [
      ...Object.keys(changes.appointment ?? {}),
      ...(changes.participants.length ? ['participants'] : []),
      ...(changes.participantsToAdd.length ? ['new participants (cannot be added to an existing appointment)'] : []),
    ];
    const from = divisionPath(existing.division);
    return { changed, patch: changes, ...(from !== this.scopeOf(payload) ? { fromScope: from } : {}) };
  }

  async update(url: string, patch: unknown): Promise<void> {
    const changes = patch as AppointmentChanges;
    if (changes.appointment) await this.client.patchAppointment(url, changes.appointment);
    for (const p of changes.participants) await this.client.patchParticipant(p.url, p.patch);
  }
}

import type { Appointment, Patient } from '@medplum/fhirtypes';
import { FhirReader } from '../../partners/fhir-emr/fhir-reader.js';
import { emrAppointmentToRecord, suggestEmrAppointmentMapping, unknownAppointmentColumns } from './fhir/emr-appointment.js';
import { resolveParticipantEmailFallback, type ParticipantEmailFallbackRule, type ProviderList } from './fhir/participant-email-fallback.js';
import type { MappingTemplate } from './mapping/template.js';
import type { StagingEvent } from './stage-rows.js';
import { fromFhirAppointment, fromFhirPatient } from './validation/from-fhir.js';
import { hasErrors, type ValidationIssue } from './validation/issues.js';
import type { ImportRecord } from './mapping/import-record.js';
import { withRunDefaults } from './template-defaults.js';
import { rowKey } from './validation/row-key.js';
import { validateRecord } from './validation/validate-record.js';

export interface FhirSourceOptions {
  baseUrl: string;
  bearerToken?: string;
  resource: 'Patient' | 'Appointment';
  /** Use Bulk Data $export when the server offers it (default), else paged search. */
  preferBulk?: boolean;
  /**
   * Appointments: the mapping from FHIR elements (fhir/appointment-columns.ts) to OnCall fields;
   * default the suggested one. Patients: only its options are used.
   */
  template?: MappingTemplate;
  /** Division / provider for records that do not carry one (FHIR records never name OnCall's). */
  defaults?: { division?: string; provider?: string };
  /**
   * Appointments: OnCall's providers (`client.listProviders`), listed once before the first
   * record, whose e-mails stand in for patients with none (mapping option
   * `participantEmailFallback`, default "provider"). Without it, "provider" cannot apply and
   * such rows are left out, saying why.
   */
  providers?: ProviderList;
  /** Injected for tests; otherwise built from baseUrl. */
  reader?: FhirReader;
}

/**
 * The seed's option 2: records pulled straight from the EMR's FHIR R4 API enter the same
 * pipeline as a CSV file — FHIR → flat record → the same validation → staging. "Line" is the
 * record's position in the pull (1-based), so reports still point at one record each.
 */
export async function* fhirStagingEvents(opts: FhirSourceOptions): AsyncGenerator<StagingEvent> {
  const recordType = opts.resource === 'Patient' ? 'contacts' : 'appointments';
  // Division / provider chosen for the whole run fill the fields the mapping leaves unmapped.
  const template = recordType === 'appointments'
    ? withRunDefaults(opts.template ?? suggestEmrAppointmentMapping(), opts.defaults ?? {})
    : opts.template;
  if (template && recordType === 'appointments') {
    // A template reading columns no Appointment has (a CSV template given by mistake) stops the
    // pull before anything is read, as a CSV file missing a mapped column does.
    const unknown = unknownAppointmentColumns(template);
    if (unknown.length) {
      yield { kind: 'fatal', message: `the mapping reads ${unknown.map((c) => `"${c}"`).join(', ')}, which a FHIR Appointment does not have (see docs/mapping-format.md)` };
      return;
    }
  }
  let fallback: ParticipantEmailFallbackRule | undefined;
  if (template && recordType === 'appointments') {
    try {
      fallback = await resolveParticipantEmailFallback(template, opts.providers);
    } catch (e) {
      yield { kind: 'fatal', message: `OnCall could not be asked for the providers' e-mails, needed for patients without an e-mail (set participantEmailFallback in the mapping to an address or "none" to do without): ${(e as Error).message}` };
      return;
    }
  }
  const reader = opts.reader ?? new FhirReader({ baseUrl: opts.baseUrl, ...(opts.bearerToken ? { bearerToken: opts.bearerToken } : {}) });
  const seen = new Map<string, number>();
  const patients = new Map<string, Patient>();
  const fromOpts = { defaults: { ...(opts.defaults?.division ? { division: opts.defaults.division } : {}), ...(opts.defaults?.provider ? { provider: opts.defaults.provider } : {}) } };
  let line = 0;
  try {
    for await (const resource of reader.readAll<Patient | Appointment>(opts.resource, { preferBulk: opts.preferBulk ?? true, pageSize: 500 })) {
      line++;
      let record: ImportRecord;
      let errors: ValidationIssue[];
      if (resource.resourceType === 'Patient') {
        record = fromFhirPatient(resource, fromOpts);
        errors = validateRecord(record, recordType, { line, ...(template?.options ? { options: template.options } : {}) });
      } else {
        const r = emrAppointmentToRecord(resource, await participantsOf(reader, resource, patients), template!, line, fallback ? { participantEmailFallback: fallback } : {});
        record = r.record;
        errors = r.issues;
      }
      const emrId = record.emrId ?? '';
      if (emrId) {
        const first = seen.get(emrId);
        if (first === undefined) seen.set(emrId, line);
        else errors.push({ line, field: 'emrId', code: 'duplicate-emr-id', severity: 'error', message: `emrId already used by record ${first}; the first one is kept` });
      }
      yield { kind: 'row', line, key: rowKey(record), record, errors, ok: !hasErrors(errors) };
    }
  } finally {
    if (!opts.reader) await reader.close();
  }
}

/** The Patients an Appointment names (read once each, cached for the whole pull). */
async function participantsOf(reader: FhirReader, appt: Appointment, cache: Map<string, Patient>): Promise<Map<string, Patient>> {
  const out = new Map<string, Patient>();
  for (const p of appt.participant ?? []) {
    const ref = p.actor?.reference;
    const m = ref ? /^Patient\/([^/]+)$/.exec(ref) : null;
    if (!m) continue;
    const id = m[1]!;
    let patient = cache.get(id);
    if (!patient) {
      patient = await reader.read<Patient>('Patient', id);
      cache.set(id, patient);
    }
    out.set(ref!, patient);
    out.set(id, patient);
  }
  return out;
}

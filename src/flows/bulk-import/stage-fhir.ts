import type { Appointment, Patient } from '@medplum/fhirtypes';
import { FhirReader } from '../../partners/fhir-emr/fhir-reader.js';
import type { MappingTemplate } from './mapping/template.js';
import type { StagingEvent } from './stage-rows.js';
import { fromFhirAppointment, fromFhirPatient } from './validation/from-fhir.js';
import { hasErrors } from './validation/issues.js';
import { rowKey } from './validation/row-key.js';
import { validateRecord } from './validation/validate-record.js';

export interface FhirSourceOptions {
  baseUrl: string;
  bearerToken?: string;
  resource: 'Patient' | 'Appointment';
  /** Use Bulk Data $export when the server offers it (default), else paged search. */
  preferBulk?: boolean;
  template?: MappingTemplate;
  /** Division / provider for records that do not carry one (FHIR records never name OnCall's). */
  defaults?: { division?: string; provider?: string };
  /** Injected for tests; otherwise built from baseUrl. */
  reader?: FhirReader;
}

/**
 * The seed's option 2: records pulled straight from the EMR's FHIR R4 API enter the same
 * pipeline as a CSV file — FHIR → flat record → the same validation → staging. "Line" is the
 * record's position in the pull (1-based), so reports still point at one record each.
 */
export async function* fhirStagingEvents(opts: FhirSourceOptions): AsyncGenerator<StagingEvent> {
  const reader = opts.reader ?? new FhirReader({ baseUrl: opts.baseUrl, ...(opts.bearerToken ? { bearerToken: opts.bearerToken } : {}) });
  const recordType = opts.resource === 'Patient' ? 'contacts' : 'appointments';
  const seen = new Map<string, number>();
  const patients = new Map<string, Patient>();
  let line = 0;
  try {
    for await (const resource of reader.readAll<Patient | Appointment>(opts.resource, { preferBulk: opts.preferBulk ?? true, pageSize: 500 })) {
      line++;
      const fromOpts = { defaults: { ...(opts.defaults?.division ? { division: opts.defaults.division } : {}), ...(opts.defaults?.provider ? { provider: opts.defaults.provider } : {}) } };
      const record =
        resource.resourceType === 'Patient'
          ? fromFhirPatient(resource, fromOpts)
          : fromFhirAppointment(resource, await participantsOf(reader, resource, patients), fromOpts);
      const errors = [...validateRecord(record, recordType, { line, ...(opts.template?.options ? { options: opts.template.options } : {}) })];
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

import type { Appointment, Patient } from '@medplum/fhirtypes';
import type { Config } from '../../config/config.js';
import type { OncallClient } from '../../partners/oncall/client.js';
import { contactToPatient, oncallToAppointment } from '../../partners/oncall/mapping.js';
import type { FhirReader } from '../../partners/fhir-emr/fhir-reader.js';
import type { ReconcileType } from './findings.js';
import type { OncallRecord } from './reconcile.js';

/**
 * The two sides of a reconciliation as streams: the EMR through FHIR paged search (1,000 a page,
 * the sandbox FHIR EMR's maximum), OnCall through the client's listings (100 a page, OnCall's).
 */
export const EMR_PAGE_SIZE = 1000;

export function emrRecords(type: ReconcileType, reader: FhirReader): AsyncIterable<Patient | Appointment> {
  return type === 'contacts'
    ? reader.searchAll<Patient>('Patient', {}, { pageSize: EMR_PAGE_SIZE })
    : reader.searchAll<Appointment>('Appointment', {}, { pageSize: EMR_PAGE_SIZE });
}

export interface OncallIds {
  /** Roster custom field id holding the EMR id (ONCALL_EMR_ID_FIELD). */
  emrIdField: string;
  /** Appointment metadata key holding the EMR id (ONCALL_EMR_ID_METADATA_KEY). */
  emrIdMetadataKey: string;
}

export async function* oncallRecords(type: ReconcileType, client: OncallClient, ids: OncallIds): AsyncGenerator<OncallRecord> {
  let total: number | undefined;
  const onPage = (p: { count: number }) => {
    total = p.count;
  };
  if (type === 'contacts') {
    for await (const c of client.contacts({}, onPage)) {
      const v = c.custom_field_values?.[ids.emrIdField];
      const emrId = typeof v === 'string' && v.trim() ? v.trim() : undefined;
      yield { url: c.url, emrId, resource: contactToPatient(c, ids.emrIdField), ...(total === undefined ? {} : { total }) };
    }
    return;
  }
  for await (const a of client.appointments({}, onPage)) {
    const v = a.metadata?.[ids.emrIdMetadataKey];
    const emrId = typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : undefined;
    let resource: Appointment;
    try {
      resource = oncallToAppointment(a, ids.emrIdMetadataKey);
    } catch {
      // An unreadable datetime: compared as having none (the difference then shows).
      resource = oncallToAppointment({ ...a, datetime: null }, ids.emrIdMetadataKey);
    }
    yield { url: a.url, emrId, resource, ...(total === undefined ? {} : { total }) };
  }
}

/** Where the EMR is read: the configured FHIR server, else the sandbox FHIR EMR of the engine at `engineUrl`. */
export function emrFhirBase(config: Pick<Config, 'emr'>, engineUrl: string | undefined): string | undefined {
  if (config.emr.fhirUrl) return config.emr.fhirUrl;
  return engineUrl ? `${engineUrl}/sandbox/fhir-emr` : undefined;
}

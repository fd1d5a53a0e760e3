import { APPOINTMENT_FIELDS, PATIENT_FIELDS } from '../sync/emr-projection.js';

/**
 * System of record per record type and field (issue 9, "System of record"): env
 * `EHR_BRIDGE_SYNC_OWNERS`, default `patient=emr,appointment=oncall`; a field override names
 * the record type and the projection field: `patient.email=oncall`, `appointment.status=emr`.
 * The reconciliation reads it to say which side's value is right for each difference, and
 * which way a push writes.
 */
export type OwnerSide = 'emr' | 'oncall';
export type OwnedRecord = 'patient' | 'appointment';

export interface Owners {
  ownerOf(record: OwnedRecord, field: string): OwnerSide;
}

const FIELDS: Record<OwnedRecord, readonly string[]> = { patient: PATIENT_FIELDS, appointment: APPOINTMENT_FIELDS };
export const DEFAULT_OWNERS = 'patient=emr,appointment=oncall';

export class OwnersError extends Error {
  override name = 'OwnersError';
}

export function parseOwners(text: string | undefined): Owners {
  const byRecord: Record<OwnedRecord, OwnerSide> = { patient: 'emr', appointment: 'oncall' };
  const byField = new Map<string, OwnerSide>();
  for (const part of (text?.trim() ? text : DEFAULT_OWNERS).split(',')) {
    const item = part.trim();
    if (!item) continue;
    const m = /^(patient|appointment)(?:\.([A-Za-z]+))?\s*=\s*(emr|oncall)$/i.exec(item);
    if (!m) {
      throw new OwnersError(`EHR_BRIDGE_SYNC_OWNERS: "${item}" is not <patient|appointment>[.<field>]=<emr|oncall>`);
    }
    const record = m[1]!.toLowerCase() as OwnedRecord;
    const side = m[3]!.toLowerCase() as OwnerSide;
    if (m[2] === undefined) {
      byRecord[record] = side;
      continue;
    }
    const field = FIELDS[record].find((f) => f.toLowerCase() === m[2]!.toLowerCase());
    if (!field) throw new OwnersError(`EHR_BRIDGE_SYNC_OWNERS: ${record} has no field "${m[2]}" (fields: ${FIELDS[record].join(', ')})`);
    byField.set(`${record}.${field}`, side);
  }
  return { ownerOf: (record, field) => byField.get(`${record}.${field}`) ?? byRecord[record] };
}

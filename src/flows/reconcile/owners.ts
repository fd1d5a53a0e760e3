import { OwnershipError, parseOwners as parseSyncOwners } from '../sync/targets/emr/ownership.js';

/**
 * System of record per record type and field (issue 9): the same `EHR_BRIDGE_SYNC_OWNERS` the
 * sync back reads, through its parser (src/flows/sync/targets/emr/ownership.ts), so the
 * reconciliation and the sync never disagree on who owns a field. Default
 * `patient=emr,appointment=oncall`; field overrides like `patient.email=oncall`.
 */
export type OwnerSide = 'emr' | 'oncall';
export type OwnedRecord = 'patient' | 'appointment';

export interface Owners {
  ownerOf(record: OwnedRecord, field: string): OwnerSide;
}

export { OwnershipError as OwnersError };

export function parseOwners(text: string | undefined): Owners {
  const o = parseSyncOwners(text);
  return { ownerOf: (record, field) => o.owner(record, field) };
}

import { APPOINTMENT_FIELDS, PATIENT_FIELDS } from '../../emr-projection.js';

/**
 * The system of record per record type and field (issue 9, "System of record per record type and
 * field"): `EHR_BRIDGE_SYNC_OWNERS`, default `patient=emr,appointment=oncall`, with field
 * overrides such as `patient.email=oncall`. A platform change to a field the EMR owns is reported
 * in the trace, never written back. Creates of records the EMR lacks always go.
 */
export type Owner = 'emr' | 'oncall';
export type OwnedKind = 'patient' | 'appointment';

export const DEFAULT_OWNERS = 'patient=emr,appointment=oncall';

const FIELDS: Record<OwnedKind, readonly string[]> = { patient: PATIENT_FIELDS, appointment: APPOINTMENT_FIELDS };

export class OwnershipError extends Error {
  override name = 'OwnershipError';
}

export class Ownership {
  constructor(
    private readonly byKind: Record<OwnedKind, Owner>,
    private readonly byField: ReadonlyMap<string, Owner>,
  ) {}

  owner(kind: OwnedKind, field: string): Owner {
    return this.byField.get(`${kind}.${field}`) ?? this.byKind[kind];
  }

  /** Splits differing fields into those the platform may write and those the EMR keeps. */
  split<F extends string>(kind: OwnedKind, fields: readonly F[]): { write: F[]; emrOwned: F[] } {
    const write: F[] = [];
    const emrOwned: F[] = [];
    for (const f of fields) (this.owner(kind, f) === 'oncall' ? write : emrOwned).push(f);
    return { write, emrOwned };
  }

  /** True when OnCall owns at least one field of the kind (an update may be written at all). */
  anyPlatformOwned(kind: OwnedKind): boolean {
    return FIELDS[kind].some((f) => this.owner(kind, f) === 'oncall');
  }

  /** For the banner and docs: `patient=emr,appointment=oncall,patient.email=oncall`. */
  toString(): string {
    return [`patient=${this.byKind.patient}`, `appointment=${this.byKind.appointment}`, ...[...this.byField].map(([k, v]) => `${k}=${v}`)].join(',');
  }
}

/** Reads `kind=owner[,kind.field=owner...]`; an unknown kind, field or owner is refused with the entry named. */
export function parseOwners(text: string | undefined): Ownership {
  const byKind: Record<OwnedKind, Owner> = { patient: 'emr', appointment: 'oncall' };
  const byField = new Map<string, Owner>();
  const raw = text?.trim() ? text : DEFAULT_OWNERS;
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z]+)(?:\.([A-Za-z]+))?\s*=\s*([a-z]+)$/i.exec(entry);
    if (!m) throw new OwnershipError(`EHR_BRIDGE_SYNC_OWNERS: "${entry}" is not kind=owner or kind.field=owner`);
    const kind = m[1]!.toLowerCase();
    const field = m[2];
    const owner = m[3]!.toLowerCase();
    if (kind !== 'patient' && kind !== 'appointment') throw new OwnershipError(`EHR_BRIDGE_SYNC_OWNERS: unknown record type "${kind}" (patient or appointment)`);
    if (owner !== 'emr' && owner !== 'oncall') throw new OwnershipError(`EHR_BRIDGE_SYNC_OWNERS: unknown owner "${owner}" (emr or oncall)`);
    if (field === undefined) {
      byKind[kind] = owner;
      continue;
    }
    const known = FIELDS[kind].find((f) => f.toLowerCase() === field.toLowerCase());
    if (!known) throw new OwnershipError(`EHR_BRIDGE_SYNC_OWNERS: unknown ${kind} field "${field}" (${FIELDS[kind].join(', ')})`);
    byField.set(`${kind}.${known}`, owner);
  }
  return new Ownership(byKind, byField);
}

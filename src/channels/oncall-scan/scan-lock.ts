import type { Db } from '../../store/db.js';
import type { Leases } from '../../store/repos/leases.js';
import type { ScanKind } from './to-message.js';

/** A scan of this kind is running already (here or, on PostgreSQL, in another process). */
export class ScanBusy extends Error {
  override name = 'ScanBusy';
  constructor(readonly kind: ScanKind) {
    super(`a scan of OnCall ${kind} is running already`);
  }
}

/** Kinds being scanned in this process, per database (tests open several in one process). */
const scanning = new WeakMap<Db, Set<ScanKind>>();

export const scanLeaseName = (kind: ScanKind): string => `oncall-scan:${kind}`;

/**
 * One scan of a kind at a time. In this process: a flag (every channel, CLI run and API call
 * of the process shares it). Across processes (the engine and `ehr-bridge sync scan`, several
 * engines on PostgreSQL): a lease in the database, renewed while the scan runs and taken over
 * at once when its holder on this host died (kill -9) or once it expired. `lost` aborts when
 * the lease was taken over by another process (this one stalled past the lease's time).
 */
export async function withScanLock<T>(db: Db, leases: Leases | undefined, kind: ScanKind, work: (lost: AbortSignal) => Promise<T>): Promise<T> {
  let kinds = scanning.get(db);
  if (!kinds) scanning.set(db, (kinds = new Set()));
  if (kinds.has(kind)) throw new ScanBusy(kind);
  kinds.add(kind);
  try {
    if (!leases) return await work(new AbortController().signal);
    if (!(await leases.claim(scanLeaseName(kind)))) throw new ScanBusy(kind);
    return await leases.hold(scanLeaseName(kind), work);
  } finally {
    kinds.delete(kind);
  }
}

/** Whether this process is scanning the kind now (the API answers 409 without trying). */
export function scanningHere(db: Db, kind: ScanKind): boolean {
  return scanning.get(db)?.has(kind) ?? false;
}

import type { ImportRecord } from '../mapping/import-record.js';

/**
 * Told after each page of the platform's listing: objects looked at so far, and the platform's
 * total (`count` of the listing), so a run can say "1,200 of 5,000" while it prepares.
 */
export type ScanProgress = (progress: { listed: number; count: number }) => void;

/**
 * What the import engine needs from a target platform, for one kind of record. One adapter per
 * (platform, record type): adding a platform (Teladoc Solo) adds adapters, the engine and its
 * exactly-once logic stay as they are.
 *
 * Every method that writes is called only after the engine recorded its intent; every method
 * may throw a PartnerError, whose kind tells the engine what to do.
 */
export interface ImportTarget<Payload = unknown> {
  readonly target: string;
  readonly kind: string;
  /** The partner payload for a validated record (record → FHIR → partner). */
  prepare(record: ImportRecord): Payload;
  /**
   * Every existing partner object that carries an EMR id, as (EMR id, url, scope). The scope
   * is the part of the platform a record lives in (an OnCall division: a clinic); matching is
   * done within one scope, so a record of another clinic is never taken for this one.
   */
  scanExisting(onPage?: ScanProgress): AsyncGenerator<{ key: string; url: string; scope: string }>;
  /** The scope (division path, e.g. `/divisions/2/`) a prepared payload is written to. */
  scopeOf(payload: Payload): string;
  /** Creates the object; returns its URL. Not idempotent: never called twice blindly. */
  create(payload: Payload): Promise<string>;
  /**
   * Looks up the object created for this record, after an ambiguous create (timeout, crash).
   * `emrId` is set when the record has one; otherwise the lookup matches the content.
   */
  find(payload: Payload, emrId: string | undefined): Promise<string | null>;
  /**
   * The names of the mapped fields that differ, and the patch that would fix them; null when
   * equal; 'gone' when the object no longer exists. `fromScope` is set when the object lives in
   * another scope than the payload (the patch would move it to another clinic).
   */
  diff(url: string, payload: Payload): Promise<{ changed: string[]; patch: unknown; fromScope?: string } | null | 'gone'>;
  update(url: string, patch: unknown): Promise<void>;
}

/**
 * The idempotency key of an imported row: its EMR id, or — when the file has none — a stable
 * canonical text of the mapped record that the server hashes (SHA-256, node:crypto) so a
 * re-upload of the same file maps each row to the same key. Hashing stays out of this
 * isomorphic module on purpose: the browser never needs the key.
 */
import type { ImportRecord } from '../mapping/import-record.js';

export type RowKey =
  | { readonly kind: 'emr-id'; readonly value: string }
  | { readonly kind: 'content'; readonly value: string };

/**
 * Canonical text of a record: non-empty fields sorted by key, as a JSON array of [key, value]
 * pairs (JSON escaping makes it unambiguous). Field order in the template and empty cells do
 * not change it.
 */
export function canonicalRecordString(record: ImportRecord): string {
  const keys = Object.keys(record).filter((k) => (record[k] ?? '') !== '').sort();
  return JSON.stringify(keys.map((k) => [k, record[k]]));
}

export function rowKey(record: ImportRecord): RowKey {
  const emrId = record.emrId ?? '';
  return emrId !== '' ? { kind: 'emr-id', value: emrId } : { kind: 'content', value: canonicalRecordString(record) };
}

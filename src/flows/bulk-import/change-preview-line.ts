import type { ImportRecord } from './mapping/import-record.js';

/**
 * The name that tells staff which line it is: the patient's (contacts) or the appointment's
 * title. Isomorphic: the preview, the server's problem list and the browser's check use it.
 */
export function lineName(recordType: string, record: ImportRecord): string | null {
  const v = (k: string) => (record[k] ?? '').trim();
  if (recordType === 'contacts') {
    const full = v('fullName') || [v('firstName'), v('lastName')].filter(Boolean).join(' ');
    return full || null;
  }
  return v('title') || v('participants.name') || null;
}

/** The line's EMR id, or null. */
export function lineEmrId(record: ImportRecord): string | null {
  return (record.emrId ?? '').trim() || null;
}

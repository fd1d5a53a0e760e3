import type { RowStatus } from './run-status.js';

/**
 * The words staff read for a line's result, in one table used by the run page, the imports
 * list and the CSV report (issue 7, items 4 and 6), so a file downloaded from the page says
 * what the page said. Keyed by the server's own list: a status without a label is a compile
 * error, and no internal code (`in_flight`, `invalid`) ever reaches a person. Pure module (the
 * web UI imports it).
 */
export const ROW_STATUS_LABELS = {
  created: 'Created',
  updated: 'Updated',
  // Also "exists in another clinic; not moved" and "differs, updates not requested": the
  // record is in OnCall and was left as it was; the line's details say which.
  skipped: 'Already in OnCall',
  // Sent, and refused by OnCall (or could not be built): the details say why.
  failed: 'Not imported',
  // Problems in the file: never sent.
  invalid: 'Left out',
  cancelled: 'Cancelled',
  pending: 'Waiting',
  in_flight: 'Sending',
} as const satisfies Record<RowStatus, string>;

/** A status this code does not know (a newer server): a plain word, never the raw code. */
export const UNKNOWN_ROW_STATUS_LABEL = 'Other';

export function rowStatusText(status: string): string {
  return Object.hasOwn(ROW_STATUS_LABELS, status) ? ROW_STATUS_LABELS[status as RowStatus] : UNKNOWN_ROW_STATUS_LABEL;
}

/**
 * The flat record between a CSV row (or a FHIR resource) and validation: field key → string.
 * Keys are catalogue keys (`firstName`, `participants.email`, `customFields.42`,
 * `metadata.room`). An empty string means "no value"; every mapped field is present so records
 * of one template share one object shape (fast property access in V8).
 * Multi-valued participant fields keep the cell text; `splitParticipants` reads them.
 */
export type ImportRecord = Record<string, string>;

/** The value of `field`, '' when absent. */
export function fieldValue(record: ImportRecord, field: string): string {
  return record[field] ?? '';
}

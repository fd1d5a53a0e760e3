/**
 * The cross-reference key of a row within one scope of the platform (an OnCall division, i.e.
 * one clinic). Custom fields, rosters and EMR ids are per division, so the same EMR id in two
 * clinics names two records; the bare row key (`emr:<id>`) is kept too, to find a record that
 * lives in another clinic (and cross-references written before keys were scoped).
 */
export function scopedKey(rowKey: string, scope: string): string {
  return scope ? `${rowKey}@${scope}` : rowKey;
}

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { neutraliseCsvCell } from '../bulk-import/csv/formula-cells.js';
import type { Finding } from './findings.js';
import { FIELD_WORDS } from './projection.js';

/**
 * The reconciliation report (issue 9, "Interface"): one row per finding, written as the run
 * makes them (nothing held). A `different` finding with several fields keeps one row: its
 * field, EMR value, OnCall value and owner cells list the fields in the same order, joined by
 * "; ". A `duplicated` finding lists every OnCall URL, space-separated. Cells that a
 * spreadsheet would run as a formula are neutralised (OWASP CSV injection).
 */
export const REPORT_COLUMNS = ['finding', 'EMR id', 'OnCall URL', 'field', 'EMR value', 'OnCall value', 'owner'] as const;

const KIND_WORDS: Record<Finding['kind'], string> = {
  'in-sync': 'in sync',
  'missing-in-oncall': 'missing in OnCall',
  'missing-in-emr': 'missing in EMR',
  different: 'different',
  duplicated: 'duplicated',
};

export function reportRow(f: Finding): string[] {
  const fields = f.fields ?? [];
  const list = (pick: (x: (typeof fields)[number]) => string) => fields.map(pick).join('; ');
  return [
    KIND_WORDS[f.kind],
    f.emrId ?? '',
    f.oncallUrls?.join(' ') ?? f.oncallUrl ?? '',
    list((x) => FIELD_WORDS[x.field] ?? x.field),
    list((x) => x.emr ?? ''),
    list((x) => x.oncall ?? ''),
    list((x) => (x.owner === 'emr' ? 'EMR' : 'OnCall')),
  ].map(neutraliseCsvCell);
}

export interface ReportWriter {
  write(f: Finding): Promise<void>;
  close(): Promise<void>;
}

/** Opens `path` for the report (header row first); `write` waits when the disk is behind. */
export async function openReport(path: string): Promise<ReportWriter> {
  const file = createWriteStream(path);
  await once(file, 'open');
  const csv = stringify({ header: true, columns: [...REPORT_COLUMNS] });
  csv.pipe(file);
  return {
    async write(f) {
      if (!csv.write(reportRow(f))) await once(csv, 'drain');
    },
    async close() {
      csv.end();
      await once(file, 'close');
    },
  };
}

/** The same report for findings already held (a run of the API), as a stream for a download. */
export function reportStream(findings: readonly Finding[]): Readable {
  const csv = stringify({ header: true, columns: [...REPORT_COLUMNS] });
  Readable.from(findings.map(reportRow)).pipe(csv);
  return csv;
}

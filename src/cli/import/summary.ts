import type { ImportService, RunSummary } from '../../flows/bulk-import/import-service.js';

/** `ehr-bridge import` exit codes (README, "Command line"). */
export const EXIT = { ok: 0, fatal: 1, someLeftOut: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * What an import did, in the words of the run page and the report (row-labels.ts): printed as
 * one line, or as one JSON object with `--json`.
 */
export interface ImportOutcome {
  runId: string;
  source: string;
  recordType: string;
  dryRun: boolean;
  /** How the run ended: finished, cancelled, failed. */
  status: string;
  rows: number;
  created: number;
  updated: number;
  /** In OnCall with the same values. */
  alreadyUpToDate: number;
  /** In OnCall with other values, left as they are because `--update` was not given. */
  notUpdated: number;
  /** In another clinic (division), left there because `--move-between-clinics` was not given. */
  inAnotherClinic: number;
  /** Problems in the file: never sent. */
  leftOut: number;
  /** Sent, and refused by OnCall. */
  notImported: number;
  cancelled: number;
  report: string | null;
  exitCode: ExitCode;
}

/**
 * Counts the run's outcomes. "Skipped" rows are told apart by the reason the run recorded for
 * each (process-chunk.ts writes them), read a page at a time.
 */
export async function importOutcome(
  svc: ImportService, final: RunSummary, info: { source: string; dryRun: boolean; report: string | null },
): Promise<ImportOutcome> {
  const skipped = await classifySkipped(svc, final.id);
  const c = final.counts;
  const trouble = c.invalid + c.failed + c.cancelled + c.pending + c.inFlight;
  return {
    runId: final.id,
    source: info.source,
    recordType: final.recordType,
    dryRun: info.dryRun,
    status: final.status,
    rows: final.totalRows,
    created: c.created,
    updated: c.updated,
    alreadyUpToDate: skipped.upToDate,
    notUpdated: skipped.notUpdated,
    inAnotherClinic: skipped.otherClinic,
    leftOut: c.invalid,
    notImported: c.failed,
    cancelled: c.cancelled,
    report: info.report,
    exitCode: final.status === 'failed' ? EXIT.fatal : trouble > 0 ? EXIT.someLeftOut : EXIT.ok,
  };
}

async function classifySkipped(svc: ImportService, runId: string): Promise<{ upToDate: number; notUpdated: number; otherClinic: number }> {
  const n = { upToDate: 0, notUpdated: 0, otherClinic: 0 };
  for (let offset = 0; ; offset += 1000) {
    const page = await svc.runs.rows(runId, { status: 'skipped', offset, limit: 1000 });
    for (const r of page.items) {
      const why = r.message ?? '';
      if (why.startsWith('exists in another clinic')) n.otherClinic++;
      else if (why.includes('updates not requested')) n.notUpdated++;
      else n.upToDate++;
    }
    if (page.items.length === 0 || offset + page.items.length >= page.total) return n;
  }
}

/** A count for a person, as the web UI writes it: 1084 → "1,084" (never in --json). */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** "543 created, 0 updated, 12 already up to date, 3 left out — report: report.csv". */
export function outcomeLine(o: ImportOutcome): string {
  const parts = [`${count(o.created)} created`, `${count(o.updated)} updated`, `${count(o.alreadyUpToDate)} already up to date`];
  if (o.notUpdated) parts.push(`${count(o.notUpdated)} already in OnCall with other values, not updated (--update updates them)`);
  if (o.inAnotherClinic) parts.push(`${count(o.inAnotherClinic)} in another clinic, not moved`);
  parts.push(`${count(o.leftOut)} left out`);
  if (o.notImported) parts.push(`${count(o.notImported)} not imported (refused by OnCall)`);
  if (o.cancelled) parts.push(`${count(o.cancelled)} cancelled`);
  return `${parts.join(', ')}${o.report ? ` — report: ${o.report}` : ''}`;
}

/** Seconds left as a person reads it: 45 → "45s", 125 → "2m 5s", 7260 → "2h 1m". */
export function timeLeft(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

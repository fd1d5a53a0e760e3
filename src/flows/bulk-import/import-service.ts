import type { Logger } from 'pino';
import type { JobQueue } from '../../queue/queue.js';
import type { Db } from '../../store/db.js';
import { XrefStore } from '../../store/repos/xrefs.js';
import { scanExisting } from './scan-existing.js';
import { enqueueOpenChunks, IMPORT_JOBS, importJobHandlers } from './import-jobs.js';
import { ProgressTracker } from './progress.js';
import type { RunOptions } from './run-options.js';
import { RunStore, type RowCounts, type RunRow } from './run-store.js';
import { isFinished, type RunStatus } from './run-status.js';
import { PREPARING, SENDING, type RunPhase } from './run-progress.js';
import { stageRows, type StagingEvent, type StagingResult } from './stage-rows.js';
import type { ImportTarget } from './targets/import-target.js';
import { mappingTemplateSchema } from './mapping/template.js';
import type { ImportRecord } from './mapping/import-record.js';
import { missingSettings, missingSettingsMessage } from './required-settings.js';
import type { RecordType } from '../../domain/identifiers.js';

/** What a run would meet on the platform, shown before it starts (wizard, CLI, API). */
export interface Preflight {
  /** Rows whose record already exists in the row's own division (skipped, or updated when chosen). */
  existingHere: number;
  /** Rows whose record exists only in another division (clinic) of the platform. */
  inAnotherDivision: number;
  /** What happens to those: moved into this run's division only when the run says so. */
  moveBetweenDivisions: boolean;
  /** Up to 10 of them: the file line and the division the record is in now (no patient data). */
  sample: { line: number; division: string }[];
}

export class ImportError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly fieldErrors?: Record<string, string[]>,
  ) {
    super(message);
    this.name = 'ImportError';
  }
}

export interface RunSummary {
  id: string;
  target: string;
  recordType: string;
  source: string;
  fileName: string | null;
  status: RunStatus;
  totalRows: number;
  invalidRows: number;
  counts: {
    pending: number;
    inFlight: number;
    created: number;
    updated: number;
    skipped: number;
    failed: number;
    invalid: number;
    cancelled: number;
  };
  done: number;
  remaining: number;
  ratePerSecond: number;
  /** Seconds left, smoothed; null until meaningful (eta.ts) and while paused or preparing. */
  etaSeconds: number | null;
  /** What a started run is doing: `preparing` (looking for records already there) or `sending`. */
  phase: RunPhase | null;
  /** While preparing: platform records looked at, of the platform's total (null until known). */
  preparing: { checked: number; total: number | null } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  options: RunOptions;
}

export interface ImportServiceDeps {
  db: Db;
  queue: JobQueue;
  logger: Logger;
  targetFor(run: RunRow): ImportTarget;
  batchSize?: number;
  ambiguityDelayMs?: number;
}

/**
 * The bulk import use case, shared by the HTTP API, the CLI and the FHIR pull: create a run,
 * stage and validate its rows, then start / pause / resume / cancel it while queue jobs send
 * the rows. All state is in the database, so a run survives a page reload and a restart.
 */
export class ImportService {
  readonly runs: RunStore;
  readonly xrefs: XrefStore;
  private readonly progress = new ProgressTracker();

  constructor(private readonly deps: ImportServiceDeps) {
    this.runs = new RunStore(deps.db);
    this.xrefs = new XrefStore(deps.db);
  }

  jobHandlers() {
    return importJobHandlers({
      db: this.deps.db,
      queue: this.deps.queue,
      runs: this.runs,
      xrefs: this.xrefs,
      logger: this.deps.logger,
      targetFor: (run) => this.deps.targetFor(run),
      batchSize: this.deps.batchSize,
      ambiguityDelayMs: this.deps.ambiguityDelayMs,
    });
  }

  async create(input: { target: string; recordType: string; source: 'csv' | 'fhir'; fileName: string | null; mapping: unknown; options: RunOptions }): Promise<RunRow> {
    return this.runs.create(input);
  }

  async require(id: string): Promise<RunRow> {
    const run = await this.runs.get(id);
    if (!run) throw new ImportError(404, 'no such import');
    return run;
  }

  /**
   * Stages (stores and validates) the rows of a draft run, from any source of rows. A run can
   * be staged again (a corrected file) as long as it has not started.
   */
  async stage(runId: string, events: AsyncIterable<StagingEvent>): Promise<StagingResult> {
    const run = await this.require(runId);
    if (!(await this.runs.transition(runId, ['draft', 'ready'], 'staging'))) {
      throw new ImportError(409, `the import is ${run.status}; rows can only be loaded before it starts`);
    }
    try {
      await this.runs.clearRows(runId);
      const result = await stageRows(this.runs, runId, events);
      if (result.fatal) {
        await this.runs.clearRows(runId);
        await this.runs.transition(runId, ['staging'], 'draft', { total_rows: 0, invalid_rows: 0 });
        throw new ImportError(400, result.fatal.message, result.fatal.fieldErrors);
      }
      await this.runs.transition(runId, ['staging'], 'ready', { total_rows: result.totalRows, invalid_rows: result.invalidRows });
      return result;
    } catch (e) {
      await this.runs.transition(runId, ['staging'], 'draft');
      throw e;
    }
  }

  /** Field errors for settings every row needs and nothing gives (checked again at start). */
  missingSettings(run: RunRow): Record<string, string[]> | null {
    const mapping = mappingTemplateSchema.safeParse(run.mapping);
    if (!mapping.success) return null;
    return missingSettings(run.recordType as RecordType, mapping.data, run.options.defaults);
  }

  /**
   * Looks at the platform before a run: which rows' records exist already in their division,
   * and which exist only in another division (clinic). Sends nothing. Moving a record between
   * clinics is never a side effect, so the count is shown before the run and the run moves
   * them only with `moveBetweenDivisions`. With `remember`, what it found is kept as
   * cross-references, as the run's own scan would (the CLI then skips that second listing).
   */
  async preflight(runId: string, opts: { remember?: boolean } = {}): Promise<Preflight> {
    const run = await this.require(runId);
    const missing = this.missingSettings(run);
    if (missing) throw new ImportError(400, missingSettingsMessage(missing), missing);
    const target = this.deps.targetFor(run);
    const scopes = new Map<string, string[]>();
    for await (const { key, scope } of scanExisting(this.xrefs, target, opts.remember ?? false)) {
      scopes.set(key, [...(scopes.get(key) ?? []), scope]);
    }
    const out: Preflight = { existingHere: 0, inAnotherDivision: 0, moveBetweenDivisions: run.options.moveBetweenDivisions, sample: [] };
    for await (const row of this.runs.openRecords(runId)) {
      const seen = scopes.get(row.rowKey);
      if (!seen) continue;
      let scope: string;
      try {
        scope = target.scopeOf(target.prepare(row.record as ImportRecord));
      } catch {
        continue; // the row will fail with its own reason
      }
      if (seen.includes(scope)) out.existingHere++;
      else {
        out.inAnotherDivision++;
        if (out.sample.length < 10) out.sample.push({ line: row.line, division: seen[0]! });
      }
    }
    return out;
  }

  async start(runId: string, opts: { updateExisting?: boolean; dryRun?: boolean; moveBetweenDivisions?: boolean } = {}): Promise<RunRow> {
    const run = await this.require(runId);
    // Before any row: a setting every row needs and nothing gives is one error, not N failures.
    const missing = this.missingSettings(run);
    if (missing) throw new ImportError(400, missingSettingsMessage(missing), missing);
    const options: RunOptions = {
      ...run.options,
      ...(opts.updateExisting === undefined ? {} : { updateExisting: opts.updateExisting }),
      ...(opts.dryRun === undefined ? {} : { dryRun: opts.dryRun }),
      ...(opts.moveBetweenDivisions === undefined ? {} : { moveBetweenDivisions: opts.moveBetweenDivisions }),
    };
    const ok = await this.deps.db.transaction().execute(async (trx) => {
      const progress = JSON.stringify(options.scanExisting ? PREPARING : SENDING);
      const moved = await this.runs.transition(runId, ['ready'], 'running', { started_at: new Date().toISOString(), options: JSON.stringify(options), progress }, trx);
      if (moved) await this.deps.queue.add({ name: IMPORT_JOBS.prepare, payload: { runId }, jobKey: `import-prepare:${runId}` }, trx);
      return moved;
    });
    if (!ok) throw new ImportError(409, `the import is ${run.status}; only a validated import that has not started can be started`);
    return this.require(runId);
  }

  async pause(runId: string): Promise<RunRow> {
    const run = await this.require(runId);
    if (!(await this.runs.transition(runId, ['running'], 'paused'))) throw new ImportError(409, `the import is ${run.status}, not running`);
    return this.require(runId);
  }

  async resume(runId: string): Promise<RunRow> {
    const run = await this.require(runId);
    if (!(await this.runs.transition(runId, ['paused'], 'running'))) throw new ImportError(409, `the import is ${run.status}, not paused`);
    if (run.progress?.phase === 'preparing') {
      // Paused before its preparation ran (the job found it paused and did nothing): prepare now,
      // or the rows would be sent without knowing the records already on the platform.
      await this.deps.queue.add({ name: IMPORT_JOBS.prepare, payload: { runId }, jobKey: `import-prepare:${runId}` });
    } else {
      await enqueueOpenChunks({ queue: this.deps.queue, runs: this.runs }, runId);
    }
    return this.require(runId);
  }

  async cancel(runId: string): Promise<RunRow> {
    const run = await this.require(runId);
    const ok = await this.deps.db.transaction().execute(async (trx) => {
      const moved = await this.runs.transition(runId, ['draft', 'ready', 'running', 'paused'], 'cancelled', { finished_at: new Date().toISOString() }, trx);
      if (moved) await this.runs.cancelOpenRows(runId, trx);
      return moved;
    });
    if (!ok) throw new ImportError(409, `the import is ${run.status} and can no longer be cancelled`);
    return this.require(runId);
  }

  async summary(runId: string): Promise<RunSummary> {
    return this.summarise(await this.require(runId));
  }

  async list(): Promise<RunSummary[]> {
    return Promise.all((await this.runs.list()).map((r) => this.summarise(r)));
  }

  private async summarise(run: RunRow): Promise<RunSummary> {
    const c: RowCounts = await this.runs.counts(run.id);
    const done = c.created + c.updated + c.skipped + c.failed;
    const remaining = c.pending + c.in_flight;
    const preparing = run.progress?.phase === 'preparing' && !isFinished(run.status);
    const { ratePerSecond, etaSeconds } = this.progress.observe(run.id, done, remaining, run.status === 'running' && !preparing);
    return {
      id: run.id,
      target: run.target,
      recordType: run.recordType,
      source: run.source,
      fileName: run.fileName,
      status: run.status,
      totalRows: run.totalRows,
      invalidRows: run.invalidRows,
      counts: {
        pending: c.pending,
        inFlight: c.in_flight,
        created: c.created,
        updated: c.updated,
        skipped: c.skipped,
        failed: c.failed,
        invalid: c.invalid,
        cancelled: c.cancelled,
      },
      done,
      remaining,
      ratePerSecond,
      etaSeconds,
      phase: run.progress?.phase ?? null,
      preparing: preparing ? { checked: run.progress!.checked, total: run.progress!.total } : null,
      createdAt: run.createdAt,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      error: run.error,
      options: run.options,
    };
  }
}

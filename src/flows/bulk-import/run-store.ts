import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db, DbOrTrx } from '../../store/db.js';
import { nowIso } from '../../store/db.js';
import type { ImportRunsTable } from '../../store/schema.js';
import type { RowStatus, RunStatus } from './run-status.js';
import { INTENT_MESSAGE, ROW_STATUSES, type WriteIntent } from './run-status.js';
import type { RunOptions } from './run-options.js';
import { parseRunProgress, type RunProgress } from './run-progress.js';

export interface RunRow {
  id: string;
  target: string;
  recordType: string;
  source: string;
  fileName: string | null;
  status: RunStatus;
  mapping: unknown;
  options: RunOptions;
  totalRows: number;
  invalidRows: number;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  /** What a started run is doing: preparing (with figures) or sending; null before it started. */
  progress: RunProgress | null;
}

export type RowCounts = Record<RowStatus, number>;

export interface StagedRow {
  line: number;
  key: string;
  status: 'pending' | 'invalid';
  record: unknown;
  errors: unknown[] | null;
}

export interface WorkRow {
  line: number;
  rowKey: string;
  status: RowStatus;
  record: Record<string, string>;
  attempts: number;
  /** For an `in_flight` row, says which write was intended (see `intentOf`). */
  message: string | null;
}

export interface RowOutcome {
  line: number;
  status: RowStatus;
  partnerUrl?: string | null;
  message?: string | null;
}

function toRun(r: ImportRunsTable): RunRow {
  return {
    id: r.id,
    target: r.target,
    recordType: r.record_type,
    source: r.source,
    fileName: r.file_name,
    status: r.status as RunStatus,
    mapping: JSON.parse(r.mapping),
    options: JSON.parse(r.options) as RunOptions,
    totalRows: Number(r.total_rows),
    invalidRows: Number(r.invalid_rows),
    error: r.error,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    updatedAt: r.updated_at,
    progress: parseRunProgress(r.progress),
  };
}

/** All reads and writes of import runs and their rows. */
export class RunStore {
  constructor(private readonly db: Db) {}

  async create(input: { target: string; recordType: string; source: string; fileName: string | null; mapping: unknown; options: RunOptions }): Promise<RunRow> {
    const now = nowIso();
    const row: ImportRunsTable = {
      id: randomUUID(),
      target: input.target,
      record_type: input.recordType,
      source: input.source,
      file_name: input.fileName,
      status: 'draft',
      mapping: JSON.stringify(input.mapping),
      options: JSON.stringify(input.options),
      total_rows: 0,
      invalid_rows: 0,
      error: null,
      created_at: now,
      started_at: null,
      finished_at: null,
      updated_at: now,
    };
    await this.db.insertInto('import_runs').values(row).execute();
    return toRun(row);
  }

  async get(id: string, trx: DbOrTrx = this.db): Promise<RunRow | undefined> {
    const r = await trx.selectFrom('import_runs').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toRun(r) : undefined;
  }

  async list(limit = 100): Promise<RunRow[]> {
    const rows = await this.db.selectFrom('import_runs').selectAll().orderBy('created_at', 'desc').limit(limit).execute();
    return rows.map(toRun);
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('import_rows').where('run_id', '=', id).execute();
    await this.db.deleteFrom('import_runs').where('id', '=', id).execute();
  }

  /**
   * Moves a run from one of `from` to `to`; returns false when it was in another state (so two
   * concurrent requests cannot both start, or resume a cancelled run).
   */
  async transition(
    id: string,
    from: readonly RunStatus[],
    to: RunStatus,
    extra: Partial<Pick<ImportRunsTable, 'started_at' | 'finished_at' | 'error' | 'total_rows' | 'invalid_rows' | 'options' | 'progress'>> = {},
    trx: DbOrTrx = this.db,
  ): Promise<boolean> {
    const r = await trx
      .updateTable('import_runs')
      .set({ status: to, updated_at: nowIso(), ...extra })
      .where('id', '=', id)
      .where('status', 'in', [...from])
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Records what the run is doing (see run-progress.ts); a display figure, no state change. */
  async setProgress(id: string, progress: RunProgress): Promise<void> {
    await this.db.updateTable('import_runs').set({ progress: JSON.stringify(progress) }).where('id', '=', id).execute();
  }

  async setOptions(id: string, options: RunOptions): Promise<void> {
    await this.db.updateTable('import_runs').set({ options: JSON.stringify(options), updated_at: nowIso() }).where('id', '=', id).execute();
  }

  async clearRows(runId: string): Promise<void> {
    await this.db.deleteFrom('import_rows').where('run_id', '=', runId).execute();
  }

  async insertRows(runId: string, rows: StagedRow[], trx: DbOrTrx = this.db): Promise<void> {
    if (!rows.length) return;
    const now = nowIso();
    // Parameter limits: SQLite allows 32766 bound values per statement; 10 columns × 500 rows stays well under.
    for (let i = 0; i < rows.length; i += 500) {
      await trx
        .insertInto('import_rows')
        .values(
          rows.slice(i, i + 500).map((r) => ({
            run_id: runId,
            line: r.line,
            row_key: r.key,
            status: r.status,
            record: JSON.stringify(r.record),
            errors: r.errors && r.errors.length ? JSON.stringify(r.errors) : null,
            partner_url: null,
            message: null,
            attempts: 0,
            updated_at: now,
          })),
        )
        .execute();
    }
  }

  async counts(runId: string): Promise<RowCounts> {
    const rows = await this.db
      .selectFrom('import_rows')
      .select(['status', (eb) => eb.fn.countAll().as('n')])
      .where('run_id', '=', runId)
      .groupBy('status')
      .execute();
    const counts = Object.fromEntries(ROW_STATUSES.map((s) => [s, 0])) as RowCounts;
    for (const r of rows) counts[r.status as RowStatus] = Number(r.n);
    return counts;
  }

  /** Whether any row of the run still needs work (one index probe, not a count). */
  async hasOpenRows(runId: string): Promise<boolean> {
    const r = await this.db
      .selectFrom('import_rows')
      .select('line')
      .where('run_id', '=', runId)
      .where('status', 'in', ['pending', 'in_flight'])
      .limit(1)
      .executeTakeFirst();
    return r !== undefined;
  }

  /** Line ranges (chunks) that still have open rows. */
  async openChunks(runId: string, chunkSize: number): Promise<number[]> {
    const rows = await sql<{ chunk: number | string }>`
      select distinct (line / ${sql.lit(Math.trunc(chunkSize))}) as chunk from import_rows
      where run_id = ${runId} and status in ('pending', 'in_flight') order by chunk`.execute(this.db);
    // An integer literal keeps the division integral in SQLite (a bound JS number is a REAL).
    return rows.rows.map((r) => Math.floor(Number(r.chunk)));
  }

  /**
   * The next rows of a chunk after `afterLine`, by primary-key range (run_id, line), with the
   * open ones picked out here rather than by a status filter: a status filter would make the
   * planner walk the (run_id, status) index over every open row of the run for each batch,
   * which grows with the run (quadratic over a whole import).
   */
  async openRowsOfChunk(
    runId: string,
    chunk: number,
    chunkSize: number,
    afterLine: number,
    limit: number,
  ): Promise<{ rows: WorkRow[]; lastLine: number | undefined }> {
    const rows = await this.db
      .selectFrom('import_rows')
      .select(['line', 'row_key', 'status', 'record', 'attempts', 'message'])
      .where('run_id', '=', runId)
      .where('line', '>=', Math.max(chunk * chunkSize, afterLine + 1))
      .where('line', '<', (chunk + 1) * chunkSize)
      .orderBy('line')
      .limit(limit)
      .execute();
    const open = rows.filter((r) => r.status === 'pending' || r.status === 'in_flight');
    return {
      lastLine: rows.length ? Number(rows[rows.length - 1]!.line) : undefined,
      rows: open.map((r) => ({
        line: Number(r.line),
        rowKey: r.row_key,
        status: r.status as RowStatus,
        record: JSON.parse(r.record) as Record<string, string>,
        attempts: Number(r.attempts),
        message: r.message,
      })),
    };
  }

  /**
   * Records the intent to send: these rows may reach the partner from now on. A row is marked
   * only when it is still open AND still has the attempt count it was read with, so of two
   * workers that read the same row (a chunk run twice: resumed while stopping, or a lease that
   * expired) exactly one gets to send; the other leaves the row alone. Returns the lines marked.
   * The intent (create or update) is kept in the message so a re-run knows what to confirm.
   */
  async markInFlight(runId: string, rows: readonly Pick<WorkRow, 'line' | 'attempts'>[], intent: WriteIntent = 'create'): Promise<Set<number>> {
    const marked = new Set<number>();
    const byAttempts = new Map<number, number[]>();
    for (const r of rows) byAttempts.set(r.attempts, [...(byAttempts.get(r.attempts) ?? []), r.line]);
    for (const [attempts, lines] of byAttempts) {
      const done = await this.db
        .updateTable('import_rows')
        .set({ status: 'in_flight', attempts: attempts + 1, message: INTENT_MESSAGE[intent], updated_at: nowIso() })
        .where('run_id', '=', runId)
        .where('line', 'in', lines)
        .where('attempts', '=', attempts)
        // `status || ''` keeps the planner on the primary key: a plain status condition makes
        // SQLite walk the (run_id, status) index over every open row of the run.
        .where(sql<string>`${sql.ref('status')} || ''`, 'in', ['pending', 'in_flight'])
        .returning('line')
        .execute();
      for (const r of done) marked.add(Number(r.line));
    }
    return marked;
  }

  /**
   * Writes a batch of outcomes in ONE statement: a multi-row upsert on the primary key (the rows
   * always exist, so only the DO UPDATE part runs; the inserted placeholders are never stored).
   * One statement per batch instead of one per row keeps SQLite and PostgreSQL off the hot path.
   * A row's first final outcome stays: only rows still open are written, so a worker that
   * finishes late (a chunk run twice) cannot turn "updated" into "unchanged".
   */
  async recordOutcomes(runId: string, outcomes: RowOutcome[], trx: DbOrTrx): Promise<void> {
    if (!outcomes.length) return;
    const now = nowIso();
    for (let i = 0; i < outcomes.length; i += 500) {
      await trx
        .insertInto('import_rows')
        .values(
          outcomes.slice(i, i + 500).map((o) => ({
            run_id: runId,
            line: o.line,
            row_key: '',
            status: o.status,
            record: '{}',
            errors: null,
            partner_url: o.partnerUrl ?? null,
            message: o.message ?? null,
            attempts: 0,
            updated_at: now,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['run_id', 'line']).doUpdateSet((eb) => ({
            status: eb.ref('excluded.status'),
            partner_url: eb.ref('excluded.partner_url'),
            message: eb.ref('excluded.message'),
            updated_at: eb.ref('excluded.updated_at'),
          })).where('import_rows.status', 'in', ['pending', 'in_flight']),
        )
        .execute();
    }
  }

  async cancelOpenRows(runId: string, trx: DbOrTrx = this.db): Promise<void> {
    await trx
      .updateTable('import_rows')
      .set({ status: 'cancelled', message: 'import cancelled before this row was sent', updated_at: nowIso() })
      .where('run_id', '=', runId)
      .where('status', '=', 'pending')
      .execute();
  }

  async problems(runId: string, offset: number, limit: number) {
    const base = this.db.selectFrom('import_rows').where('run_id', '=', runId).where('status', '=', 'invalid');
    const total = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const rows = await base.select(['line', 'errors']).orderBy('line').offset(offset).limit(limit).execute();
    return {
      total: Number(total.n),
      items: rows.map((r) => ({ line: Number(r.line), errors: r.errors ? (JSON.parse(r.errors) as unknown[]) : [] })),
    };
  }

  async rows(runId: string, opts: { status?: RowStatus; offset: number; limit: number }) {
    let base = this.db.selectFrom('import_rows').where('run_id', '=', runId);
    if (opts.status) base = base.where('status', '=', opts.status);
    const total = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const rows = await base
      .select(['line', 'status', 'row_key', 'partner_url', 'message', 'errors'])
      .orderBy('line')
      .offset(opts.offset)
      .limit(opts.limit)
      .execute();
    return {
      total: Number(total.n),
      items: rows.map((r) => ({
        line: Number(r.line),
        status: r.status as RowStatus,
        key: r.row_key,
        partnerUrl: r.partner_url,
        message: r.message ?? summariseErrors(r.errors),
      })),
    };
  }

  /** The rows still to send with their records, in line order, in pages (the preflight). */
  async *openRecords(runId: string, pageSize = 2000): AsyncGenerator<{ line: number; rowKey: string; record: Record<string, string> }> {
    let after = -1;
    for (;;) {
      const page = await this.db
        .selectFrom('import_rows')
        .select(['line', 'row_key', 'status', 'record'])
        .where('run_id', '=', runId)
        .where('line', '>', after)
        .orderBy('line')
        .limit(pageSize)
        .execute();
      if (!page.length) return;
      for (const r of page) {
        if (r.status === 'pending' || r.status === 'in_flight') yield { line: Number(r.line), rowKey: r.row_key, record: JSON.parse(r.record) as Record<string, string> };
      }
      after = Number(page[page.length - 1]!.line);
    }
  }

  /** Every row in line order, in pages, for the report (never the whole run in memory). */
  async *allRows(runId: string, pageSize = 2000) {
    let after = -1;
    for (;;) {
      const page = await this.db
        .selectFrom('import_rows')
        .select(['line', 'status', 'row_key', 'partner_url', 'message', 'errors'])
        .where('run_id', '=', runId)
        .where('line', '>', after)
        .orderBy('line')
        .limit(pageSize)
        .execute();
      if (!page.length) return;
      for (const r of page) yield { ...r, line: Number(r.line), message: r.message ?? summariseErrors(r.errors) };
      after = Number(page[page.length - 1]!.line);
    }
  }
}

function summariseErrors(errors: string | null): string | null {
  if (!errors) return null;
  const list = JSON.parse(errors) as { message?: string; field?: string }[];
  return list.map((e) => e.message ?? e.field ?? 'invalid').join('; ');
}

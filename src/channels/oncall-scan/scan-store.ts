import { PostgresAdapter, sql } from 'kysely';
import type { Db } from '../../store/db.js';
import type { ScanKind, ScanRecordKind } from './to-message.js';

/**
 * The scans' rows (migration 0011): `scan_runs`, one per scan with the page it reached, and
 * `scan_marks`, the hash of what a scan last saw of each record. A page's marks and the run's
 * progress are written in one transaction, after the page's messages are stored: a mark never
 * exists without its message, and a run never claims a page whose marks are not written.
 */
export const SCAN_SYSTEM = 'oncall';

export type ScanStatus = 'running' | 'done' | 'failed' | 'interrupted';
export type ScanTrigger = 'manual' | 'schedule';

export interface ScanRun {
  id: number;
  kind: ScanKind;
  status: ScanStatus;
  /** The next page to read (1-based). */
  nextPage: number;
  seen: number;
  changed: number;
  requests: number;
  /** Why it stopped, in words (no patient data). */
  error: string | null;
  trigger: ScanTrigger;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface PageProgress {
  nextPage: number;
  seen: number;
  changed: number;
  requests: number;
}

type Row = {
  id: string | number;
  kind: string;
  status: string;
  next_page: number;
  seen: number;
  changed: number;
  requests: number;
  error: string | null;
  trigger: string;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
};

function toRun(r: Row): ScanRun {
  return {
    id: Number(r.id),
    kind: r.kind as ScanKind,
    status: r.status as ScanStatus,
    nextPage: Number(r.next_page),
    seen: Number(r.seen),
    changed: Number(r.changed),
    requests: Number(r.requests),
    error: r.error,
    trigger: r.trigger as ScanTrigger,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  };
}

const now = (): string => new Date().toISOString();

export class ScanStore {
  private readonly postgres: boolean;
  private marksSinceAnalyze = 0;

  constructor(readonly db: Db) {
    this.postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  }

  /** The latest unfinished run of a kind (`running` or `interrupted`), which the next scan resumes. */
  async unfinished(kind: ScanKind): Promise<ScanRun | undefined> {
    const r = await this.db
      .selectFrom('scan_runs')
      .selectAll()
      .where('system', '=', SCAN_SYSTEM)
      .where('kind', '=', kind)
      .where('status', 'in', ['running', 'interrupted'])
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r ? toRun(r) : undefined;
  }

  async start(kind: ScanKind, trigger: ScanTrigger): Promise<ScanRun> {
    const t = now();
    const r = await this.db
      .insertInto('scan_runs')
      .values({ system: SCAN_SYSTEM, kind, status: 'running', next_page: 1, seen: 0, changed: 0, requests: 0, error: null, trigger, started_at: t, updated_at: t, finished_at: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRun(r);
  }

  /**
   * Takes an unfinished run over (compare-and-set on what was read, so two processes cannot
   * both resume it); older unfinished runs of the kind are closed as superseded.
   */
  async resume(run: ScanRun): Promise<ScanRun | undefined> {
    const t = now();
    const r = await this.db
      .updateTable('scan_runs')
      .set({ status: 'running', error: null, updated_at: t })
      .where('id', '=', run.id)
      .where('status', '=', run.status)
      .where('updated_at', '=', run.updatedAt)
      .returningAll()
      .executeTakeFirst();
    if (!r) return undefined;
    await this.db
      .updateTable('scan_runs')
      .set({ status: 'failed', error: 'superseded by a later scan', finished_at: t, updated_at: t })
      .where('system', '=', SCAN_SYSTEM)
      .where('kind', '=', run.kind)
      .where('status', 'in', ['running', 'interrupted'])
      .where('id', '<', run.id)
      .execute();
    return toRun(r);
  }

  /** The hashes the marks hold for these records (absent: never seen). */
  async marks(kind: ScanRecordKind, ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (ids.length === 0) return out;
    const rows = await this.db
      .selectFrom('scan_marks')
      .select(['record_id', 'hash'])
      .where('system', '=', SCAN_SYSTEM)
      .where('kind', '=', kind)
      .where('record_id', 'in', ids)
      .execute();
    for (const r of rows) out.set(r.record_id, r.hash);
    return out;
  }

  /**
   * The page's new and changed marks (one statement; `seen_at` is when that content was first
   * seen) and the run's progress, in one transaction.
   */
  async commitPage(runId: number, kind: ScanRecordKind, marks: Array<{ id: string; hash: string }>, progress: PageProgress): Promise<void> {
    const t = now();
    await this.db.transaction().execute(async (trx) => {
      // Nothing here needs its own flush to disk: the page's messages are committed durably
      // before, and marks or progress lost in a crash only make the next scan read those pages
      // again and find the same messages already stored. Without the wait for the WAL flush an
      // unchanged page costs PostgreSQL a few hundred microseconds instead of a disk sync.
      if (this.postgres) await sql`set local synchronous_commit = off`.execute(trx);
      if (marks.length > 0) {
        await trx
          .insertInto('scan_marks')
          .values(marks.map((m) => ({ system: SCAN_SYSTEM, kind, record_id: m.id, hash: m.hash, seen_at: t })))
          .onConflict((oc) =>
            oc.columns(['system', 'kind', 'record_id']).doUpdateSet((eb) => ({ hash: eb.ref('excluded.hash'), seen_at: eb.ref('excluded.seen_at') })),
          )
          .execute();
      }
      await trx
        .updateTable('scan_runs')
        .set({ next_page: progress.nextPage, seen: progress.seen, changed: progress.changed, requests: progress.requests, updated_at: t })
        .where('id', '=', runId)
        .execute();
    });
    this.marksSinceAnalyze += marks.length;
    // PostgreSQL plans the marks lookup from table statistics, which lag far behind a first
    // scan's inserts (autovacuum analyzes later): without them it reads every mark of the kind
    // for each page (40 ms a page at 100,000 marks instead of 1 ms). A sampled ANALYZE every
    // 10,000 new marks keeps the plan on the whole key.
    if (this.postgres && this.marksSinceAnalyze >= 10_000) {
      this.marksSinceAnalyze = 0;
      await sql`analyze scan_marks`.execute(this.db).catch(() => undefined);
    }
  }

  /** Keeps `updated_at` fresh while a slow page is read, so the run is not taken for abandoned. */
  async heartbeat(runId: number): Promise<void> {
    await this.db.updateTable('scan_runs').set({ updated_at: now() }).where('id', '=', runId).where('status', '=', 'running').execute();
  }

  async finish(runId: number, status: Exclude<ScanStatus, 'running'>, error: string | null, requests: number): Promise<ScanRun> {
    const t = now();
    const r = await this.db
      .updateTable('scan_runs')
      .set({ status, error, requests, updated_at: t, finished_at: status === 'interrupted' ? null : t })
      .where('id', '=', runId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRun(r);
  }

  async get(id: number): Promise<ScanRun | undefined> {
    const r = await this.db.selectFrom('scan_runs').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toRun(r) : undefined;
  }

  /** Newest first. */
  async recent(opts: { kind?: ScanKind; limit?: number } = {}): Promise<ScanRun[]> {
    let q = this.db.selectFrom('scan_runs').selectAll().where('system', '=', SCAN_SYSTEM);
    if (opts.kind) q = q.where('kind', '=', opts.kind);
    const rows = await q.orderBy('id', 'desc').limit(Math.min(200, Math.max(1, opts.limit ?? 20))).execute();
    return rows.map(toRun);
  }

  /** The latest run that read every page, per kind. */
  async lastDone(kind: ScanKind): Promise<ScanRun | undefined> {
    const r = await this.db
      .selectFrom('scan_runs')
      .selectAll()
      .where('system', '=', SCAN_SYSTEM)
      .where('kind', '=', kind)
      .where('status', '=', 'done')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r ? toRun(r) : undefined;
  }
}

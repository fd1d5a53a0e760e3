import { hostname } from 'node:os';
import { Logger as GwLogger, makeWorkerUtils, run, runMigrations, type Runner, type TaskList, type WorkerUtils } from 'graphile-worker';
import { sql } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Db, DbOrTrx } from '../store/db.js';
import { nowIso } from '../store/db.js';
import type { JobHandlers, JobQueue, JobSpec, WorkerOptions } from './queue.js';

/** A worker whose heartbeat is older than this is taken for dead and its jobs are released. */
const DEAD_AFTER_MS = 30_000;
const HEARTBEAT_MS = 5_000;

/**
 * The PostgreSQL queue on graphile-worker (https://worker.graphile.org/): any number of worker
 * processes on any number of machines share one database. Jobs are added with
 * `graphile_worker.add_job()` inside the caller's transaction.
 *
 * graphile-worker keeps a job locked for 4 hours when its worker dies without a clean
 * shutdown. We shorten that: every pool writes a heartbeat per worker id to `queue_workers`, and
 * any live process releases (forceUnlockWorkers) the jobs of workers that stopped beating.
 */
export class PgQueue implements JobQueue {
  readonly kind = 'postgres' as const;
  private runner: Runner | undefined;
  private utils: WorkerUtils | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly workerIds = new Set<string>();
  private pool: pg.Pool | undefined;

  constructor(
    private readonly db: Db,
    private readonly connectionString: string,
    private readonly logger: Logger,
  ) {}

  /**
   * graphile-worker gets a pool of ours: we can listen to its errors (an idle connection closed
   * by the server must not crash the process) and end it when the queue stops.
   */
  private ownPool(): pg.Pool {
    if (!this.pool) {
      this.pool = new pg.Pool({ connectionString: this.connectionString, max: 12 });
      this.pool.on('error', (e) => this.logger.warn({ err: { message: e.message } }, 'queue: idle PostgreSQL connection failed'));
    }
    return this.pool;
  }

  async init(): Promise<void> {
    await runMigrations({ pgPool: this.ownPool(), logger: gwLogger(this.logger) });
  }

  async add(job: JobSpec, trx?: DbOrTrx): Promise<void> {
    const runAt = job.runAt ? job.runAt.toISOString() : null;
    await sql`select graphile_worker.add_job(
        ${job.name}::text,
        ${JSON.stringify(job.payload)}::json,
        run_at => ${runAt}::timestamptz,
        max_attempts => ${job.maxAttempts ?? 25}::int,
        job_key => ${job.jobKey ?? null}::text,
        job_key_mode => 'preserve_run_at'
      )`.execute(trx ?? this.db);
  }

  async pendingCount(): Promise<number> {
    const r = await sql<{ n: string }>`select count(*)::text as n from graphile_worker.jobs where attempts < max_attempts`.execute(this.db);
    return Number(r.rows[0]?.n ?? 0);
  }

  async start(handlers: JobHandlers, opts: WorkerOptions = {}): Promise<void> {
    const taskList: TaskList = {};
    for (const [name, handler] of Object.entries(handlers)) {
      taskList[name] = async (payload, helpers) => {
        await handler((payload ?? {}) as Record<string, unknown>, {
          jobId: String(helpers.job.id),
          attempt: helpers.job.attempts,
          logger: this.logger.child({ job: name, jobId: String(helpers.job.id) }),
          signal: helpers.abortSignal ?? new AbortController().signal,
        });
      };
    }
    this.utils = await makeWorkerUtils({ pgPool: this.ownPool(), logger: gwLogger(this.logger) });
    this.runner = await run({
      pgPool: this.ownPool(),
      concurrency: opts.concurrency ?? 4,
      pollInterval: opts.pollIntervalMs ?? 500,
      noHandleSignals: true,
      taskList,
      logger: gwLogger(this.logger),
    });
    this.runner.events.on('worker:create', ({ worker }) => {
      this.workerIds.add(worker.workerId);
      void this.beat();
    });
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.runner?.stop().catch(() => undefined);
    this.runner = undefined;
    if (this.workerIds.size) {
      await this.db.deleteFrom('queue_workers').where('worker_id', 'in', [...this.workerIds]).execute().catch(() => undefined);
    }
    await this.utils?.release();
    this.utils = undefined;
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end().catch(() => undefined);
  }

  private async beat(): Promise<void> {
    try {
      const now = nowIso();
      for (const id of this.workerIds) {
        await this.db
          .insertInto('queue_workers')
          .values({ worker_id: id, host: hostname(), pid: process.pid, heartbeat_at: now })
          .onConflict((oc) => oc.column('worker_id').doUpdateSet({ heartbeat_at: now }))
          .execute();
      }
      const cutoff = new Date(Date.now() - DEAD_AFTER_MS).toISOString();
      const dead = await this.db.selectFrom('queue_workers').select('worker_id').where('heartbeat_at', '<', cutoff).execute();
      if (dead.length && this.utils) {
        const ids = dead.map((d) => d.worker_id);
        await this.utils.forceUnlockWorkers(ids);
        await this.db.deleteFrom('queue_workers').where('worker_id', 'in', ids).execute();
        this.logger.info({ workers: ids.length }, 'queue: released the jobs of workers that stopped beating');
      }
    } catch (e) {
      this.logger.warn({ err: e }, 'queue: heartbeat failed');
    }
  }
}

/**
 * graphile-worker logs through its own logger. Its messages can quote job payloads, so only the
 * level and the scope-free message text of warnings and errors go to our logger.
 */
function gwLogger(logger: Logger): GwLogger {
  return new GwLogger(() => (level, message) => {
    if (level === 'error') logger.error({ source: 'graphile-worker' }, message.slice(0, 300));
    else if (level === 'warning') logger.warn({ source: 'graphile-worker' }, message.slice(0, 300));
  });
}

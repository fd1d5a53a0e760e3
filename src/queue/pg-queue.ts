import { EventEmitter } from 'node:events';
import { Logger as GwLogger, makeWorkerUtils, run, runMigrations, type Runner, type TaskList, type WorkerEvents, type WorkerUtils } from 'graphile-worker';
import { sql } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Db, DbOrTrx } from '../store/db.js';
import { ADVISORY_LOCKS, withPgAdvisoryLock } from '../store/pg-advisory-lock.js';
import type { JobHandlers, JobQueue, JobSpec, WorkerOptions } from './queue.js';
import { PoolHeartbeat } from './pool-heartbeat.js';

/** How long a worker process may stay silent before its jobs are taken over (the default). */
export const DEFAULT_WORKER_DEAD_AFTER_MS = 60_000;

export interface PgQueueOptions {
  /** A worker pool whose heartbeat is older than this is taken for dead and its jobs released. */
  deadAfterMs?: number;
}

/**
 * The PostgreSQL queue on graphile-worker (https://worker.graphile.org/): any number of worker
 * processes on any number of machines share one database. Jobs are added with
 * `graphile_worker.add_job()` inside the caller's transaction.
 *
 * graphile-worker 0.17 (the open-source edition) keeps a job locked for 4 hours when its worker
 * dies without a clean shutdown: it has no worker heartbeat of its own. So each process beats
 * for its worker pool (graphile-worker locks jobs under the POOL's id) and releases the jobs of
 * pools that stopped beating; see PoolHeartbeat.
 */
export class PgQueue implements JobQueue {
  readonly kind = 'postgres' as const;
  readonly workerDeadAfterMs: number;
  private runner: Runner | undefined;
  private utils: WorkerUtils | undefined;
  private heartbeat: PoolHeartbeat | undefined;
  private pool: pg.Pool | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly connectionString: string,
    private readonly logger: Logger,
    opts: PgQueueOptions = {},
  ) {
    this.workerDeadAfterMs = opts.deadAfterMs ?? DEFAULT_WORKER_DEAD_AFTER_MS;
  }

  /**
   * graphile-worker gets a pool of ours, with both error handlers it checks for (pool 'error'
   * for idle clients, client 'error' for checked-out ones): a connection the server closes must
   * not crash the process. pg drops the broken client; graphile-worker retries its own queries.
   * Only the error's code goes to the log: pg messages can quote values.
   */
  private ownPool(): pg.Pool {
    if (!this.pool) {
      const pool = new pg.Pool({ connectionString: this.connectionString, max: 12 });
      const onError = (where: string) => (e: Error & { code?: string }) =>
        this.logger.warn({ pgCode: e.code ?? null }, `queue: PostgreSQL ${where} connection failed; it is dropped and replaced`);
      pool.on('error', onError('idle'));
      pool.on('connect', (client) => client.on('error', onError('active')));
      this.pool = pool;
    }
    return this.pool;
  }

  async init(): Promise<void> {
    // graphile-worker's own migration tolerates most concurrent starts; the lock makes it certain
    // when replicas start at the same moment on a new database.
    await withPgAdvisoryLock(this.connectionString, ADVISORY_LOCKS.queueSchema, () =>
      runMigrations({ pgPool: this.ownPool(), logger: gwLogger(this.logger) }),
    );
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
    this.stopping = false;
    this.utils = await makeWorkerUtils({ pgPool: this.ownPool(), logger: gwLogger(this.logger) });
    this.heartbeat = new PoolHeartbeat(this.db, this.utils, this.logger, this.workerDeadAfterMs);
    await this.startRunner(taskList, opts);
    await this.heartbeat.start();
  }

  private async startRunner(taskList: TaskList, opts: WorkerOptions): Promise<void> {
    const heartbeat = this.heartbeat!;
    // Our own emitter, subscribed BEFORE run(): run() creates the pool (and emits pool:create)
    // before it returns, so a listener added to runner.events afterwards never hears of it.
    const events: WorkerEvents = new EventEmitter();
    let poolId: string | undefined;
    events.on('pool:create', ({ workerPool }) => {
      poolId = workerPool.id;
      heartbeat.add(workerPool.id);
    });
    events.on('pool:release', ({ workerPool }) => heartbeat.remove(workerPool.id));
    const runner = await run({
      pgPool: this.ownPool(),
      concurrency: opts.concurrency ?? 4,
      pollInterval: opts.pollIntervalMs ?? 500,
      noHandleSignals: true,
      taskList,
      logger: gwLogger(this.logger),
      events,
    });
    this.runner = runner;
    // The pool ends itself when it cannot record a job's outcome (the database stayed away
    // through its retries). That must not be an unhandled rejection, nor leave this process
    // alive but idle: log it (no payloads) and start a new pool.
    runner.promise.catch((e: unknown) => {
      if (this.stopping || this.runner !== runner) return;
      // Stop beating for the ended pool: any job it still holds is then released like a dead one's.
      if (poolId) heartbeat.remove(poolId);
      this.logger.error({ errorType: (e as Error)?.name }, 'queue: the worker pool stopped on a database error; starting a new one');
      this.restartLater(taskList, opts);
    });
  }

  /** Starts a new pool in 5 s, and again every 5 s while the database stays away. */
  private restartLater(taskList: TaskList, opts: WorkerOptions): void {
    this.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      this.startRunner(taskList, opts).catch((e: unknown) => {
        this.logger.warn({ errorType: (e as Error)?.name, pgCode: (e as { code?: string })?.code ?? null }, 'queue: cannot start a worker pool yet; retrying in 5 s');
        this.restartLater(taskList, opts);
      });
    }, 5_000);
    this.restartTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.runner?.stop().catch(() => undefined);
    this.runner = undefined;
    await this.heartbeat?.stop();
    this.heartbeat = undefined;
    await this.utils?.release();
    this.utils = undefined;
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end().catch(() => undefined);
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

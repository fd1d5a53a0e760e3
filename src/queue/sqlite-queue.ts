import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Db, DbOrTrx } from '../store/db.js';
import { nowIso } from '../store/db.js';
import { retryDelayMs, type JobHandlers, type JobQueue, type JobSpec, type WorkerOptions } from './queue.js';

/** How long a claimed job stays ours without a heartbeat before another worker may take it. */
export const LEASE_MS = 30_000;
const HEARTBEAT_MS = 5_000;

/**
 * The embedded queue: rows in the `jobs` table of the SQLite database. Claims are leases
 * (`locked_until`), renewed while the handler runs; a worker that died leaves its lease to
 * expire, and on the same host a worker whose process is gone (kill -9) is detected at once
 * from its pid, so a restarted server resumes without waiting for the lease.
 */
export class SqliteQueue implements JobQueue {
  readonly kind = 'sqlite' as const;
  private readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private handlers: JobHandlers = {};
  private running = new Set<Promise<void>>();
  /** Ids of the jobs whose handler runs now: the only leases the heartbeat renews. */
  private runningIds = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private stopping = false;
  private started = false;
  private abort = new AbortController();
  private concurrency = 4;
  private pollIntervalMs = 250;
  private wakeScheduled = false;
  private claimFailures = 0;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  async init(): Promise<void> {
    // The table comes with the store's migrations.
  }

  async add(job: JobSpec, trx?: DbOrTrx): Promise<void> {
    const now = nowIso();
    await (trx ?? this.db)
      .insertInto('jobs')
      .values({
        id: randomUUID(),
        name: job.name,
        payload: JSON.stringify(job.payload),
        job_key: job.jobKey ?? null,
        run_at: (job.runAt ?? new Date()).toISOString(),
        attempts: 0,
        max_attempts: job.maxAttempts ?? 25,
        locked_by: null,
        locked_until: null,
        last_error: null,
        created_at: now,
      })
      .onConflict((oc) => oc.column('job_key').doNothing())
      .execute();
    this.wake();
  }

  async pendingCount(): Promise<number> {
    const r = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll().as('n'))
      .where((eb) => eb('attempts', '<', eb.ref('max_attempts')))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async start(handlers: JobHandlers, opts: WorkerOptions = {}): Promise<void> {
    this.handlers = handlers;
    this.concurrency = opts.concurrency ?? this.concurrency;
    this.pollIntervalMs = opts.pollIntervalMs ?? this.pollIntervalMs;
    this.stopping = false;
    this.started = true;
    this.abort = new AbortController();
    await this.registerWorker();
    await this.releaseDeadWorkers();
    // beat() catches what it does; the catch here keeps that true whatever beat() becomes.
    this.heartbeat = setInterval(() => {
      this.beat().catch((e: unknown) => this.logger.warn({ err: safeError(e) }, 'queue: heartbeat failed'));
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    await Promise.allSettled([...this.running]);
    if (this.started) {
      // Hand back anything still claimed so another worker takes it without waiting.
      await this.db
        .updateTable('jobs')
        .set({ locked_by: null, locked_until: null })
        .where('locked_by', '=', this.workerId)
        .execute()
        .catch(() => undefined);
      await this.db.deleteFrom('queue_workers').where('worker_id', '=', this.workerId).execute().catch(() => undefined);
    }
    this.started = false;
  }

  private wake(): void {
    if (!this.started || this.stopping || this.wakeScheduled) return;
    this.wakeScheduled = true;
    queueMicrotask(() => {
      this.wakeScheduled = false;
      this.schedule(0);
    });
  }

  private schedule(delay: number): void {
    if (this.stopping) return;
    if (this.timer) clearTimeout(this.timer);
    // tick() catches what it does; should it ever throw, poll again rather than stop polling.
    this.timer = setTimeout(() => {
      this.tick().catch((e: unknown) => {
        this.logger.error({ err: safeError(e) }, 'queue: poll failed');
        this.schedule(this.pollIntervalMs);
      });
    }, delay);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopping) return;
    try {
      while (this.running.size < this.concurrency && !this.stopping) {
        const job = await this.claim();
        if (!job) break;
        this.runningIds.add(job.id);
        // `execute` handles its own failures; the catch is the last line of defence so that a
        // rejected job promise can never become an unhandled rejection (which ends the process).
        const p: Promise<void> = this.execute(job)
          .catch((e: unknown) => this.logger.error({ err: safeError(e), jobId: job.id }, 'queue: job bookkeeping failed'))
          .finally(() => {
            this.runningIds.delete(job.id);
            this.running.delete(p);
            this.schedule(0);
          });
        this.running.add(p);
      }
      this.claimFailures = 0;
    } catch (e) {
      // Typically the file is locked by another process beyond the busy timeout. Back off:
      // each try blocks this process for up to the busy timeout (better-sqlite3 waits in-thread).
      this.claimFailures++;
      this.logger.error({ err: safeError(e), failures: this.claimFailures }, 'queue: claiming a job failed; trying again later');
    }
    this.schedule(this.claimFailures ? Math.min(30_000, this.pollIntervalMs * 2 ** Math.min(this.claimFailures, 10)) : this.pollIntervalMs);
  }

  private async claim() {
    const now = nowIso();
    return this.db.transaction().execute(async (trx) => {
      const job = await trx
        .selectFrom('jobs')
        .selectAll()
        .where('run_at', '<=', now)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
        .where((eb) => eb('attempts', '<', eb.ref('max_attempts')))
        .orderBy('run_at')
        .orderBy('created_at')
        .limit(1)
        .executeTakeFirst();
      if (!job) return undefined;
      const res = await trx
        .updateTable('jobs')
        .set({
          locked_by: this.workerId,
          locked_until: new Date(Date.now() + LEASE_MS).toISOString(),
          attempts: job.attempts + 1,
        })
        .where('id', '=', job.id)
        .where('attempts', '=', job.attempts)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return undefined;
      return { ...job, attempts: job.attempts + 1 };
    });
  }

  /**
   * Runs one claimed job, then records its end. Never rejects: a failure of the queue's own
   * bookkeeping (the database is locked by another process for longer than the busy timeout,
   * e.g. a CLI import or a backup) is logged and left to the lease. The job keeps its claim,
   * the heartbeat stops renewing it (it renews running jobs only), and once the lease expires
   * any worker claims the job again. Handlers are idempotent per job, so a job whose success
   * could not be recorded and runs again does nothing twice.
   */
  private async execute(job: { id: string; name: string; payload: string; attempts: number; max_attempts: number }): Promise<void> {
    const handler = this.handlers[job.name];
    const logger = this.logger.child({ job: job.name, jobId: job.id, attempt: job.attempts });
    let failure: unknown;
    let failed = false;
    try {
      if (!handler) throw new Error(`no handler for job ${job.name}`);
      await handler(JSON.parse(job.payload) as Record<string, unknown>, {
        jobId: job.id,
        attempt: job.attempts,
        logger,
        signal: this.abort.signal,
      });
    } catch (e) {
      failed = true;
      failure = e;
    }
    try {
      if (!failed) {
        await this.db.deleteFrom('jobs').where('id', '=', job.id).where('locked_by', '=', this.workerId).execute();
        return;
      }
      const message = e2message(failure);
      if (this.stopping && this.abort.signal.aborted) {
        // Interrupted by shutdown: not the job's fault, give the attempt back.
        await this.db
          .updateTable('jobs')
          .set({ locked_by: null, locked_until: null, attempts: Math.max(0, job.attempts - 1) })
          .where('id', '=', job.id)
          .execute();
        return;
      }
      const final = job.attempts >= job.max_attempts;
      // The message is the handler's; handlers keep patient data out of their errors.
      logger[final ? 'error' : 'warn']({ err: { message } }, final ? 'job failed for good' : 'job failed, will retry');
      await this.db
        .updateTable('jobs')
        .set({
          locked_by: null,
          locked_until: null,
          last_error: message.slice(0, 2000),
          run_at: new Date(Date.now() + retryDelayMs(job.attempts)).toISOString(),
        })
        .where('id', '=', job.id)
        .where('locked_by', '=', this.workerId)
        .execute();
    } catch (e) {
      logger.error(
        { err: safeError(e), handlerFailed: failed, leaseMs: LEASE_MS },
        'queue: could not record the end of a job; it stays claimed and runs again when its lease expires',
      );
    }
  }

  private async registerWorker(): Promise<void> {
    await this.db
      .insertInto('queue_workers')
      .values({ worker_id: this.workerId, host: hostname(), pid: process.pid, heartbeat_at: nowIso() })
      .onConflict((oc) => oc.column('worker_id').doUpdateSet({ heartbeat_at: nowIso() }))
      .execute();
  }

  private async beat(): Promise<void> {
    try {
      const until = new Date(Date.now() + LEASE_MS).toISOString();
      await this.db.updateTable('queue_workers').set({ heartbeat_at: nowIso() }).where('worker_id', '=', this.workerId).execute();
      // Only the jobs running now: a job whose end could not be recorded must see its lease
      // expire, so that it is claimed again.
      const ids = [...this.runningIds];
      if (ids.length) await this.db.updateTable('jobs').set({ locked_until: until }).where('locked_by', '=', this.workerId).where('id', 'in', ids).execute();
      await this.releaseDeadWorkers();
    } catch (e) {
      this.logger.warn({ err: safeError(e) }, 'queue: heartbeat failed');
    }
  }

  /** Releases the claims of workers on this host whose process no longer exists. */
  private async releaseDeadWorkers(): Promise<void> {
    const workers = await this.db.selectFrom('queue_workers').selectAll().where('host', '=', hostname()).execute();
    for (const w of workers) {
      if (w.worker_id === this.workerId || processAlive(w.pid)) continue;
      await this.db.updateTable('jobs').set({ locked_by: null, locked_until: null }).where('locked_by', '=', w.worker_id).execute();
      await this.db.deleteFrom('queue_workers').where('worker_id', '=', w.worker_id).execute();
      this.logger.info({ worker: w.worker_id }, 'queue: released the jobs of a worker that is gone');
    }
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function e2message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** What the log may carry of an infrastructure error: its name, code and message (SQL errors name no values). */
function safeError(e: unknown): { name?: string; code?: string; message: string } {
  if (e instanceof Error) return { name: e.name, code: (e as NodeJS.ErrnoException).code, message: e.message };
  return { message: String(e) };
}

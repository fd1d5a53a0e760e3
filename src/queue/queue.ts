import type { Logger } from 'pino';
import type { DbOrTrx } from '../store/db.js';

/**
 * A durable job queue behind one interface. Two implementations:
 * - `SqliteQueue`: a table in the embedded SQLite database (one machine, the default);
 * - `PgQueue`: graphile-worker on PostgreSQL, so many worker processes on many machines share
 *   the work.
 * Jobs are enqueued inside the transaction that changes the state they act on (pass `trx`), so
 * a state change and its follow-up work are committed together or not at all.
 */
export interface JobSpec {
  name: string;
  payload: Record<string, unknown>;
  /** At most one pending job per key: adding again while one waits does not add a second. */
  jobKey?: string;
  runAt?: Date;
  maxAttempts?: number;
}

export interface JobContext {
  jobId: string;
  attempt: number;
  logger: Logger;
  /** Aborted when the worker is stopping; long handlers should stop at a safe point. */
  signal: AbortSignal;
}

export type JobHandler = (payload: Record<string, unknown>, ctx: JobContext) => Promise<void>;
export type JobHandlers = Record<string, JobHandler>;

export interface WorkerOptions {
  concurrency?: number;
  /** Poll interval for due jobs (ms). New jobs added by this process wake the worker at once. */
  pollIntervalMs?: number;
}

export interface JobQueue {
  readonly kind: 'sqlite' | 'postgres';
  /** Creates the queue's own tables if it has any (idempotent). */
  init(): Promise<void>;
  add(job: JobSpec, trx?: DbOrTrx): Promise<void>;
  /** Starts processing jobs with these handlers until `stop()`. */
  start(handlers: JobHandlers, opts?: WorkerOptions): Promise<void>;
  /** Stops taking jobs and waits for running ones to finish (or abort at a safe point). */
  stop(): Promise<void>;
  /** Number of jobs not yet completed (waiting, running or retrying). For tests and status pages. */
  pendingCount(): Promise<number>;
  /** How long a worker process may stay silent before others take over its work (multi-process queues). */
  readonly workerDeadAfterMs?: number;
}

/** Exponential backoff for failed jobs: 1 s, 2 s, 4 s ... capped at 5 minutes. */
export function retryDelayMs(attempt: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.max(0, attempt - 1));
}

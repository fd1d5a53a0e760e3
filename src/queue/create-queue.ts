import type { Logger } from 'pino';
import type { Store } from '../store/db.js';
import { PgQueue, type PgQueueOptions } from './pg-queue.js';
import type { JobQueue } from './queue.js';
import { SqliteQueue } from './sqlite-queue.js';

/**
 * The queue that goes with the store: the jobs table in SQLite, graphile-worker in PostgreSQL.
 * `deadAfterMs` (EHR_BRIDGE_WORKER_DEAD_AFTER_SECONDS): how long a PostgreSQL worker process may
 * stay silent before another one takes over its jobs.
 */
export function createQueue(store: Store, logger: Logger, opts: PgQueueOptions = {}): JobQueue {
  return store.dialect === 'postgres' ? new PgQueue(store.db, store.url, logger, opts) : new SqliteQueue(store.db, logger);
}

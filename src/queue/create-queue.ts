import type { Logger } from 'pino';
import type { Store } from '../store/db.js';
import { PgQueue } from './pg-queue.js';
import type { JobQueue } from './queue.js';
import { SqliteQueue } from './sqlite-queue.js';

/** The queue that goes with the store: the jobs table in SQLite, graphile-worker in PostgreSQL. */
export function createQueue(store: Store, logger: Logger): JobQueue {
  return store.dialect === 'postgres' ? new PgQueue(store.db, store.url, logger) : new SqliteQueue(store.db, logger);
}

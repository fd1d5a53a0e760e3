import { sql } from 'kysely';
import type { Store } from '../store/db.js';
import { DEFAULT_WORKER_DEAD_AFTER_MS } from './pg-queue.js';
import type { JobQueue } from './queue.js';
// How long the SQLite queue lets a silent worker keep its jobs: its job lease.
import { LEASE_MS as SQLITE_DEAD_AFTER_MS } from './sqlite-queue.js';

export interface WorkerView {
  /** The queue's worker id: a graphile-worker pool id on PostgreSQL, host:pid:tag on SQLite. */
  id: string;
  host: string;
  pid: number;
  heartbeatAt: string;
  /** Beat within the dead-after time; a dead worker's work is taken over (its row then goes). */
  alive: boolean;
  jobs: { id: string; task: string; lockedAt: string | null }[];
  /** Chunk leases held by this process (import runs and chunks). */
  leases: { name: string; expiresAt: string }[];
}

export interface WorkersStatus {
  queue: 'sqlite' | 'postgres';
  deadAfterSeconds: number;
  workers: WorkerView[];
}

/**
 * Which worker processes are alive and what each holds: for the operator's status view. Ids,
 * hosts, pids, task names and lease names only; never job payloads.
 */
export async function workersStatus(store: Store, queue: JobQueue): Promise<WorkersStatus> {
  const db = store.db;
  const deadAfterMs = queue.kind === 'postgres' ? (queue.workerDeadAfterMs ?? DEFAULT_WORKER_DEAD_AFTER_MS) : SQLITE_DEAD_AFTER_MS;
  const rows = await db.selectFrom('queue_workers').selectAll().orderBy('host').orderBy('pid').execute();
  const jobs =
    queue.kind === 'postgres'
      ? (
          await sql<{ id: string; task: string; locked_by: string; locked_at: Date | null }>`
            select id::text as id, task_identifier as task, locked_by, locked_at
            from graphile_worker.jobs where locked_by is not null order by id`.execute(db)
        ).rows.map((j) => ({ id: j.id, task: j.task, lockedBy: j.locked_by, lockedAt: j.locked_at ? new Date(j.locked_at).toISOString() : null }))
      : (
          await db.selectFrom('jobs').select(['id', 'name', 'locked_by', 'locked_until']).where('locked_by', 'is not', null).orderBy('created_at').execute()
        ).map((j) => ({ id: j.id, task: j.name, lockedBy: j.locked_by!, lockedAt: null as string | null }));
  const leases = await db.selectFrom('leases').select(['name', 'host', 'pid', 'expires_at']).orderBy('name').execute();
  const now = Date.now();
  return {
    queue: queue.kind,
    deadAfterSeconds: Math.round(deadAfterMs / 1000),
    workers: rows.map((w) => ({
      id: w.worker_id,
      host: w.host,
      pid: Number(w.pid),
      heartbeatAt: w.heartbeat_at,
      alive: now - Date.parse(w.heartbeat_at) <= deadAfterMs,
      jobs: jobs.filter((j) => j.lockedBy === w.worker_id).map(({ id, task, lockedAt }) => ({ id, task, lockedAt })),
      leases: leases.filter((l) => l.host === w.host && Number(l.pid) === Number(w.pid)).map((l) => ({ name: l.name, expiresAt: l.expires_at })),
    })),
  };
}

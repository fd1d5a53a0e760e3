import { hostname } from 'node:os';
import type { WorkerUtils } from 'graphile-worker';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from '../store/db.js';

/** Heartbeat time in PostgreSQL's clock, as the ISO text the `queue_workers` table holds. */
const DB_NOW_ISO = sql<string>`to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Liveness of graphile-worker pools across processes and machines, in `queue_workers` (one row
 * per pool: graphile-worker 0.17 locks jobs under the pool's id, not a worker's).
 *
 * Every `intervalMs` each process writes its pools' heartbeats, then releases
 * (`forceUnlockWorkers`) the jobs locked by any pool that has not beaten for `deadAfterMs`.
 * "Not beaten" also covers a pool with no row at all (it died between locking its first job and
 * writing its first beat): a lock older than `deadAfterMs` whose holder has no fresh heartbeat
 * is released. All times are the database's, so clocks of different machines do not matter.
 *
 * A job is taken over at most `deadAfterMs + intervalMs` after its worker died, plus the poll
 * interval of the worker that picks it up.
 */
export class PoolHeartbeat {
  readonly intervalMs: number;
  private readonly ids = new Set<string>();
  /** Every pool this process has had, so a clean stop deletes all their rows. */
  private readonly known = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly db: Db,
    private readonly utils: Pick<WorkerUtils, 'forceUnlockWorkers'>,
    private readonly logger: Logger,
    readonly deadAfterMs: number,
  ) {
    // Several beats fit in the dead-after time, so one slow beat does not make a live pool look dead.
    this.intervalMs = Math.min(5_000, Math.max(200, Math.floor(deadAfterMs / 5)));
  }

  /** Registers a pool; its first beat is written at once. */
  add(poolId: string): void {
    this.ids.add(poolId);
    this.known.add(poolId);
    void this.beat();
  }

  remove(poolId: string): void {
    this.ids.delete(poolId);
    void this.db.deleteFrom('queue_workers').where('worker_id', '=', poolId).execute().catch(() => undefined);
  }

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.ids.clear();
    // After the last beat: a beat in flight may have written a row after remove() deleted it.
    await this.running;
    if (this.known.size) {
      await this.db.deleteFrom('queue_workers').where('worker_id', 'in', [...this.known]).execute().catch(() => undefined);
    }
    this.known.clear();
  }

  /** One beat at a time; a beat asked for while one runs follows it. */
  beat(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.beatOnce().catch((e: Error & { code?: string }) =>
          this.logger.warn({ errorType: e.name, pgCode: e.code ?? null }, 'queue: heartbeat failed; retried at the next beat'),
        );
      } while (this.again);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private async beatOnce(): Promise<void> {
    const host = hostname();
    for (const id of this.ids) {
      await this.db
        .insertInto('queue_workers')
        .values({ worker_id: id, host, pid: process.pid, heartbeat_at: DB_NOW_ISO })
        .onConflict((oc) => oc.column('worker_id').doUpdateSet({ heartbeat_at: DB_NOW_ISO, host, pid: process.pid }))
        .execute();
    }
    const deadAfter = sql`make_interval(secs => ${this.deadAfterMs / 1000}::float8)`;
    const orphaned = await sql<{ locked_by: string }>`
      select distinct j.locked_by from graphile_worker.jobs j
      where j.locked_by is not null
        and j.locked_at < now() - ${deadAfter}
        and not exists (
          select 1 from queue_workers w
          where w.worker_id = j.locked_by and w.heartbeat_at::timestamptz >= now() - ${deadAfter}
        )`.execute(this.db);
    const dead = orphaned.rows.map((r) => r.locked_by).filter((id) => !this.ids.has(id));
    if (dead.length) {
      await this.utils.forceUnlockWorkers(dead);
      this.logger.warn({ pools: dead }, 'queue: released the jobs of worker pools that stopped beating (a process died)');
    }
    // Rows of pools gone for good (cleanly stopped pools delete their own).
    await this.db
      .deleteFrom('queue_workers')
      .where(sql<boolean>`heartbeat_at::timestamptz < now() - ${deadAfter}`)
      .execute();
  }
}

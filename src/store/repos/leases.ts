import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { PostgresAdapter, sql, type RawBuilder } from 'kysely';
import type { Db } from '../db.js';


/** Whether a process on this host still exists (a pid we cannot signal but that exists counts). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The database's clock, `offsetMs` ahead, as the ISO text `leases.expires_at` holds. Lease times
 * are set and compared on this one clock: processes on machines whose clocks disagree by more
 * than the TTL would otherwise take each other's live leases (and send the same rows twice).
 */
function dbTimeIso(db: Db, offsetMs = 0): RawBuilder<string> {
  const secs = offsetMs / 1000;
  return db.getExecutor().adapter instanceof PostgresAdapter
    ? sql<string>`to_char((now() + make_interval(secs => ${secs}::float8)) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
    : sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ${`${secs >= 0 ? '+' : ''}${secs} seconds`})`;
}

/**
 * Expiring named leases in the database. A lease is taken when free, expired, or held by a
 * process on this host that no longer exists (kill -9), so a restarted server resumes at once.
 * Expiry is on the database's clock (see dbTimeIso).
 */
export class Leases {
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 60_000,
  ) {}

  async claim(name: string): Promise<boolean> {
    const row = { name, holder: this.holder, host: hostname(), pid: process.pid, expires_at: dbTimeIso(this.db, this.ttlMs) };
    const inserted = await this.db
      .insertInto('leases')
      .values(row)
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return true;
    const current = await this.db.selectFrom('leases').selectAll().where('name', '=', name).executeTakeFirst();
    if (!current) return this.claim(name);
    if (current.holder === this.holder) return this.renew(name);
    const holderGone = current.host === hostname() && !processAlive(Number(current.pid));
    let takeOver = this.db
      .updateTable('leases')
      .set(row)
      .where('name', '=', name)
      .where('holder', '=', current.holder)
      .where('expires_at', '=', current.expires_at);
    // Otherwise only once expired, on the database's clock.
    if (!holderGone) takeOver = takeOver.where('expires_at', '<', dbTimeIso(this.db));
    const taken = await takeOver.executeTakeFirst();
    return Number(taken.numUpdatedRows) === 1;
  }

  async renew(name: string): Promise<boolean> {
    const r = await this.db
      .updateTable('leases')
      .set({ expires_at: dbTimeIso(this.db, this.ttlMs) })
      .where('name', '=', name)
      .where('holder', '=', this.holder)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async release(name: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', this.holder).execute();
  }

  /**
   * Keeps a lease alive while `work` runs, then releases it. `lost` is aborted when a renewal
   * finds the lease taken by someone else (this process stalled past the TTL and a live worker
   * took over): `work` must then stop at its next safe point, as it would for a shutdown.
   */
  async hold<T>(name: string, work: (lost: AbortSignal) => Promise<T>): Promise<T> {
    const lost = new AbortController();
    const renewal = async () => {
      const kept = await this.renew(name).catch(() => true); // a failed query is not proof of loss
      if (!kept && !lost.signal.aborted) lost.abort(new LeaseLost(name));
    };
    const timer = setInterval(() => void renewal(), Math.max(250, this.ttlMs / 3));
    timer.unref();
    try {
      return await work(lost.signal);
    } finally {
      clearInterval(timer);
      await this.release(name).catch(() => undefined);
    }
  }
}

/** The reason of a `hold` signal: another holder has the lease now. */
export class LeaseLost extends Error {
  override name = 'LeaseLost';
  constructor(readonly lease: string) {
    super('the lease was taken over by another worker');
  }
}

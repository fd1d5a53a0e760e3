import { sql } from 'kysely';
import type { Db } from '../../store/db.js';

/**
 * Locks an account after repeated failed sign-ins, in the database so the lock holds across
 * restarts and across every process sharing it (the per-address and per-account request rate
 * limits of @fastify/rate-limit are per process and only slow an attacker down).
 */
export const LOCKOUT_AFTER_FAILURES = 10;
export const LOCKOUT_MS = 15 * 60 * 1000;

/** Until when the account is locked, or null. */
export async function lockedUntil(db: Db, account: string, now = new Date()): Promise<Date | null> {
  const row = await db.selectFrom('login_lockouts').select('locked_until').where('account', '=', account).executeTakeFirst();
  if (!row?.locked_until || row.locked_until <= now.toISOString()) return null;
  return new Date(row.locked_until);
}

/**
 * Counts one more consecutive failure (an atomic upsert, so concurrent failures from several
 * processes all count) and locks the account when the count reaches the limit.
 * Returns the lock's end when this failure locked it.
 */
export async function recordLoginFailure(db: Db, account: string, now = new Date()): Promise<Date | null> {
  const at = now.toISOString();
  await db
    .insertInto('login_lockouts')
    .values({ account, failures: 1, locked_until: null, updated_at: at })
    .onConflict((oc) => oc.column('account').doUpdateSet({ failures: sql<number>`login_lockouts.failures + 1`, updated_at: at }))
    .execute();
  const until = new Date(now.getTime() + LOCKOUT_MS);
  const locked = await db
    .updateTable('login_lockouts')
    .set({ failures: 0, locked_until: until.toISOString(), updated_at: at })
    .where('account', '=', account)
    .where('failures', '>=', LOCKOUT_AFTER_FAILURES)
    .executeTakeFirst();
  return Number(locked.numUpdatedRows) > 0 ? until : null;
}

/** A successful sign-in clears the count (a lock still in force was checked before). */
export async function clearLoginFailures(db: Db, account: string): Promise<void> {
  await db.deleteFrom('login_lockouts').where('account', '=', account).execute();
}

import type { Kysely } from 'kysely';

/**
 * Login hardening (issue 6, items 8 and 10).
 *
 * `login_lockouts`: consecutive failed sign-ins per account and the time the account is locked
 * until. In the database, not in memory, so a lockout holds across restarts and across every
 * engine process sharing the database.
 *
 * `sessions.password_stamp`: a fingerprint of the admin password hash the session was opened
 * under. A session whose stamp no longer matches the stored hash (the password changed) is dead,
 * even in a process that never saw the change. Sessions opened before this migration have no
 * stamp and end too: one extra sign-in after the upgrade.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('login_lockouts')
    .addColumn('account', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('locked_until', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('sessions').addColumn('password_stamp', 'text').execute();
}

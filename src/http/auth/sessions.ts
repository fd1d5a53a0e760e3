import type { Db } from '../../store/db.js';
import { nowIso } from '../../store/db.js';
import { ADMIN_PASSWORD_SETTING, adminPasswordHash, passwordStamp } from './password-stamp.js';
import { randomToken, sha256Hex } from './secrets.js';

export const SESSION_COOKIE = 'ehrb_session';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/**
 * Browser sessions after the admin login: random token in an httpOnly cookie, hash in the DB.
 * Each session carries the stamp of the password hash it was opened under, so changing the
 * admin password ends every session at once, in every process (findSession compares stamps).
 */
export async function createSession(db: Db, user: string): Promise<{ token: string; expiresAt: Date }> {
  const token = randomToken('s_');
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  const hash = await adminPasswordHash(db);
  await db
    .insertInto('sessions')
    .values({
      token_hash: sha256Hex(token),
      user_name: user,
      created_at: nowIso(),
      expires_at: expiresAt.toISOString(),
      password_stamp: hash ? passwordStamp(hash) : null,
    })
    .execute();
  return { token, expiresAt };
}

export async function findSession(db: Db, token: string): Promise<{ user: string } | null> {
  const row = await db
    .selectFrom('sessions as s')
    .leftJoin('settings as p', (j) => j.on('p.key', '=', ADMIN_PASSWORD_SETTING))
    .select(['s.user_name', 's.expires_at', 's.password_stamp', 'p.value as password_hash'])
    .where('s.token_hash', '=', sha256Hex(token))
    .executeTakeFirst();
  if (!row || row.expires_at < nowIso()) return null;
  if (!row.password_hash || !row.password_stamp || row.password_stamp !== passwordStamp(row.password_hash)) return null;
  return { user: row.user_name };
}

export async function deleteSession(db: Db, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', sha256Hex(token)).execute();
}

/** Deletes expired sessions and those opened under another password (run at login and hourly). */
export async function purgeDeadSessions(db: Db, now = new Date()): Promise<number> {
  const hash = await adminPasswordHash(db);
  const stamp = hash ? passwordStamp(hash) : '';
  const r = await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<', now.toISOString()), eb('password_stamp', 'is', null), eb('password_stamp', '!=', stamp)]))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

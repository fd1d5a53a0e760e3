import type { Db } from '../../store/db.js';
import { nowIso } from '../../store/db.js';
import { randomToken, sha256Hex } from './secrets.js';

export const SESSION_COOKIE = 'ehrb_session';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** Browser sessions after the admin login: random token in an httpOnly cookie, hash in the DB. */
export async function createSession(db: Db, user: string): Promise<{ token: string; expiresAt: Date }> {
  const token = randomToken('s_');
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await db
    .insertInto('sessions')
    .values({ token_hash: sha256Hex(token), user_name: user, created_at: nowIso(), expires_at: expiresAt.toISOString() })
    .execute();
  return { token, expiresAt };
}

export async function findSession(db: Db, token: string): Promise<{ user: string } | null> {
  const row = await db
    .selectFrom('sessions')
    .select(['user_name', 'expires_at'])
    .where('token_hash', '=', sha256Hex(token))
    .executeTakeFirst();
  if (!row || row.expires_at < nowIso()) return null;
  return { user: row.user_name };
}

export async function deleteSession(db: Db, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', sha256Hex(token)).execute();
}

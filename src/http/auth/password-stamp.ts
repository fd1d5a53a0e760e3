import type { Db } from '../../store/db.js';
import { sha256Hex } from './secrets.js';

/** The `settings` key holding the admin password's scrypt hash. */
export const ADMIN_PASSWORD_SETTING = 'admin_password_hash';

/** The stored admin password hash, or undefined before the account exists. */
export async function adminPasswordHash(db: Db): Promise<string | undefined> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', ADMIN_PASSWORD_SETTING).executeTakeFirst();
  return row?.value;
}

/**
 * A fingerprint of the stored password hash. The hash carries a random salt, so every change
 * of password (even back to an old one) gives a new stamp; the stamp reveals nothing usable.
 */
export function passwordStamp(storedHash: string): string {
  return sha256Hex(`session-stamp:${storedHash}`).slice(0, 32);
}

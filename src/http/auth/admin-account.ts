import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../../config/config.js';
import { isPostgresUrl } from '../../config/config.js';
import type { Db } from '../../store/db.js';
import { keepPasswordFile } from './password-file.js';
import { ADMIN_PASSWORD_SETTING, adminPasswordHash } from './password-stamp.js';
import { hashSecret, randomToken, verifySecret } from './secrets.js';

export interface AdminLogin {
  user: string;
  /**
   * Where the password came from: `generated` on this start (the only case the banner prints
   * it), `environment` (EHR_BRIDGE_ADMIN_PASSWORD), or `stored` (generated on an earlier start,
   * or set earlier by the environment).
   */
  source: 'generated' | 'environment' | 'stored';
  /** Known only when generated on this start or given by the environment; never printed for the latter. */
  password: string | undefined;
  /** The file beside the SQLite database holding a generated password (mode 0600). */
  passwordFile: string | undefined;
  /** Why a password generated on this start could not be kept in that file (printed once, then lost). */
  passwordNotKept?: string;
}

export function adminPasswordFile(config: Config): string {
  // Beside the SQLite database; with PostgreSQL, in ./data.
  return join(isPostgresUrl(config.databaseUrl) ? './data' : dirname(config.databaseUrl), 'admin-password.txt');
}

/**
 * The UI's admin account. The password comes from EHR_BRIDGE_ADMIN_PASSWORD; without it, a
 * random one is generated on first start, stored hashed in the database and in clear in a
 * file beside the SQLite database (mode 0600).
 *
 * Safe when two processes start at once: the generated hash is inserted only if absent, and the
 * process that loses reads the winner's row (its own password is thrown away, never printed).
 * A changed environment password replaces the hash and ends every session (sessions carry a
 * stamp of the hash they were opened under; the delete just clears them out at once).
 */
export async function ensureAdminAccount(db: Db, config: Config): Promise<AdminLogin> {
  const file = adminPasswordFile(config);
  if (config.admin.password) {
    const current = await adminPasswordHash(db);
    if (!current || !(await verifySecret(config.admin.password, current))) await setAdminPassword(db, config.admin.password);
    return { user: config.admin.user, source: 'environment', password: config.admin.password, passwordFile: undefined };
  }
  if (await adminPasswordHash(db)) return { user: config.admin.user, source: 'stored', password: undefined, passwordFile: existsSync(file) ? file : undefined };
  const password = randomToken('', 12);
  const inserted = await db
    .insertInto('settings')
    .values({ key: ADMIN_PASSWORD_SETTING, value: await hashSecret(password) })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) {
    // Another process generated it first: its password is the one in the database and the file.
    return { user: config.admin.user, source: 'stored', password: undefined, passwordFile: file };
  }
  // Printing it once is still enough to log in when the file cannot be kept safely.
  const notKept = keepPasswordFile(file, password);
  if (notKept) return { user: config.admin.user, source: 'generated', password, passwordFile: undefined, passwordNotKept: notKept };
  return { user: config.admin.user, source: 'generated', password, passwordFile: file };
}

/** Replaces the admin password and ends every session opened under the old one. */
export async function setAdminPassword(db: Db, password: string): Promise<void> {
  const value = await hashSecret(password);
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('settings')
      .values({ key: ADMIN_PASSWORD_SETTING, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
    await tx.deleteFrom('sessions').execute();
  });
}

export async function checkAdminPassword(db: Db, config: Config, user: string, password: string): Promise<boolean> {
  if (user !== config.admin.user) {
    // Same work either way, so timing does not tell whether the user name exists.
    await hashSecret(password);
    return false;
  }
  const hash = await adminPasswordHash(db);
  return hash ? verifySecret(password, hash) : false;
}

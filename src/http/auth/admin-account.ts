import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../../config/config.js';
import type { Db } from '../../store/db.js';
import { hashSecret, randomToken, verifySecret } from './secrets.js';

const SETTING_KEY = 'admin_password_hash';

export interface AdminLogin {
  user: string;
  /** Known only when it comes from configuration or was generated on this machine. */
  password: string | undefined;
  passwordFile: string | undefined;
}

/**
 * The UI's admin account. The password comes from EHR_BRIDGE_ADMIN_PASSWORD; without it, a
 * random one is generated on first start, stored hashed in the database and in clear in a
 * file beside the SQLite database (mode 0600) so `npm start` can print it every time.
 */
export async function ensureAdminAccount(db: Db, config: Config): Promise<AdminLogin> {
  if (config.admin.password) {
    const value = await hashSecret(config.admin.password);
    await db
      .insertInto('settings')
      .values({ key: SETTING_KEY, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
    return { user: config.admin.user, password: config.admin.password, passwordFile: undefined };
  }
  const file = join(dirname(config.databaseUrl.startsWith('postgres') ? './data/x' : config.databaseUrl), 'admin-password.txt');
  const existing = await db.selectFrom('settings').select('value').where('key', '=', SETTING_KEY).executeTakeFirst();
  if (existing) {
    const known = existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
    return { user: config.admin.user, password: known, passwordFile: known ? file : undefined };
  }
  const password = randomToken('', 12);
  await db.insertInto('settings').values({ key: SETTING_KEY, value: await hashSecret(password) }).execute();
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${password}\n`, { mode: 0o600 });
  } catch {
    // Printing it once is still enough to log in.
  }
  return { user: config.admin.user, password, passwordFile: file };
}

export async function checkAdminPassword(db: Db, config: Config, user: string, password: string): Promise<boolean> {
  if (user !== config.admin.user) {
    // Same work either way, so timing does not tell whether the user name exists.
    await hashSecret(password);
    return false;
  }
  const row = await db.selectFrom('settings').select('value').where('key', '=', SETTING_KEY).executeTakeFirst();
  return row ? verifySecret(password, row.value) : false;
}

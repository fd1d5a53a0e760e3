import { randomUUID } from 'node:crypto';
import type { Db } from '../../store/db.js';
import { nowIso } from '../../store/db.js';
import { randomToken, sha256Hex } from './secrets.js';

/** API keys for machine access to /api: shown once at creation, stored as SHA-256. */
export const API_KEY_PREFIX = 'ehrb_';

export async function createApiKey(db: Db, name: string): Promise<{ id: string; name: string; key: string; prefix: string }> {
  const key = randomToken(API_KEY_PREFIX);
  const id = randomUUID();
  const prefix = key.slice(0, API_KEY_PREFIX.length + 6);
  await db
    .insertInto('api_keys')
    .values({ id, name, key_hash: sha256Hex(key), prefix, created_at: nowIso(), last_used_at: null, revoked_at: null })
    .execute();
  return { id, name, key, prefix };
}

export async function listApiKeys(db: Db) {
  const rows = await db.selectFrom('api_keys').selectAll().orderBy('created_at').execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }));
}

export async function revokeApiKey(db: Db, id: string): Promise<boolean> {
  const r = await db.updateTable('api_keys').set({ revoked_at: nowIso() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function verifyApiKey(db: Db, key: string): Promise<{ id: string; name: string } | null> {
  if (!key.startsWith(API_KEY_PREFIX)) return null;
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'name'])
    .where('key_hash', '=', sha256Hex(key))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  await db.updateTable('api_keys').set({ last_used_at: nowIso() }).where('id', '=', row.id).execute();
  return row;
}

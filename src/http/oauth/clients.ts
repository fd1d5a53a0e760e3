import { randomUUID } from 'node:crypto';
import type { Db } from '../../store/db.js';
import { nowIso } from '../../store/db.js';
import { hashSecret, randomToken, verifySecret } from '../auth/secrets.js';
import { parseScopes, unknownScopes } from './scopes.js';

/**
 * OAuth clients (machine-to-machine, client credentials grant). The secret is shown once at
 * creation and stored as a salted scrypt hash; the client id is a UUID.
 */
export const CLIENT_SECRET_PREFIX = 'ehrs_';

export interface OauthClient {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export class ScopeError extends Error {
  override name = 'ScopeError';
}

export async function createOauthClient(db: Db, input: { name: string; scopes: string | string[] }): Promise<OauthClient & { secret: string }> {
  const scopes = Array.isArray(input.scopes) ? [...new Set(input.scopes)] : parseScopes(input.scopes);
  const unknown = unknownScopes(scopes);
  if (unknown.length > 0) throw new ScopeError(`unknown scope(s): ${unknown.join(', ')}`);
  if (scopes.length === 0) throw new ScopeError('at least one scope is needed');
  const name = input.name.trim();
  if (!name) throw new ScopeError('a client needs a name');
  const id = randomUUID();
  const secret = randomToken(CLIENT_SECRET_PREFIX);
  const createdAt = nowIso();
  await db
    .insertInto('oauth_clients')
    .values({ id, name, secret_hash: await hashSecret(secret), scopes: scopes.join(' '), created_at: createdAt, last_used_at: null, revoked_at: null })
    .execute();
  return { id, name, scopes, createdAt, lastUsedAt: null, revokedAt: null, secret };
}

function toClient(r: { id: string; name: string; scopes: string; created_at: string; last_used_at: string | null; revoked_at: string | null }): OauthClient {
  return { id: r.id, name: r.name, scopes: parseScopes(r.scopes), createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at };
}

export async function listOauthClients(db: Db): Promise<OauthClient[]> {
  const rows = await db.selectFrom('oauth_clients').select(['id', 'name', 'scopes', 'created_at', 'last_used_at', 'revoked_at']).orderBy('created_at').execute();
  return rows.map(toClient);
}

/** Revokes the client and every token it holds (a revoked client's tokens stop working at once). */
export async function revokeOauthClient(db: Db, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await trx.updateTable('oauth_clients').set({ revoked_at: nowIso() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await trx.deleteFrom('oauth_tokens').where('client_id', '=', id).execute();
    return true;
  });
}

/** The active client with these credentials, or null (unknown id, wrong secret, revoked: the caller cannot tell which). */
export async function verifyClientCredentials(db: Db, id: string, secret: string): Promise<OauthClient | null> {
  const row = await db
    .selectFrom('oauth_clients')
    .select(['id', 'name', 'scopes', 'secret_hash', 'created_at', 'last_used_at', 'revoked_at'])
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  // Hash anyway when the id is unknown, so response time does not reveal which ids exist.
  const ok = await verifySecret(secret, row?.secret_hash ?? DUMMY_HASH);
  if (!row || !ok) return null;
  await db.updateTable('oauth_clients').set({ last_used_at: nowIso() }).where('id', '=', row.id).execute();
  return toClient(row);
}

const DUMMY_HASH = 'scrypt$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

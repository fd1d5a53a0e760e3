import type { Db } from '../../store/db.js';
import { nowIso } from '../../store/db.js';
import { randomToken, sha256Hex } from '../auth/secrets.js';
import { expandScopes, parseScopes } from './scopes.js';

/**
 * Bearer access tokens: opaque 256-bit random strings, stored as SHA-256 (looked up by hash,
 * never kept in clear), expiring after the configured lifetime.
 */
export const ACCESS_TOKEN_PREFIX = 'ehrt_';

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  scopes: string[];
}

export interface TokenPrincipal {
  clientId: string;
  clientName: string;
  /** Scopes as granted (functional and technical). */
  scopes: string[];
  /** The technical scopes they amount to, for checks. */
  granted: Set<string>;
  expiresAt: string;
}

export async function issueToken(
  db: Db,
  input: { clientId: string; scopes: string[]; audience?: string; ttlSeconds: number },
): Promise<IssuedToken> {
  const accessToken = randomToken(ACCESS_TOKEN_PREFIX);
  const now = Date.now();
  await db
    .insertInto('oauth_tokens')
    .values({
      token_hash: sha256Hex(accessToken),
      client_id: input.clientId,
      scopes: input.scopes.join(' '),
      audience: input.audience ?? null,
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + input.ttlSeconds * 1000).toISOString(),
    })
    .execute();
  return { accessToken, expiresIn: input.ttlSeconds, scopes: input.scopes };
}

export type TokenCheck = { ok: true; principal: TokenPrincipal } | { ok: false; reason: 'unknown' | 'expired' };

export async function verifyAccessToken(db: Db, token: string): Promise<TokenCheck> {
  if (!token.startsWith(ACCESS_TOKEN_PREFIX)) return { ok: false, reason: 'unknown' };
  const row = await db
    .selectFrom('oauth_tokens as t')
    .innerJoin('oauth_clients as c', 'c.id', 't.client_id')
    .select(['t.client_id', 't.scopes', 't.expires_at', 'c.name', 'c.revoked_at'])
    .where('t.token_hash', '=', sha256Hex(token))
    .executeTakeFirst();
  if (!row || row.revoked_at) return { ok: false, reason: 'unknown' };
  if (row.expires_at <= nowIso()) return { ok: false, reason: 'expired' };
  const scopes = parseScopes(row.scopes);
  return {
    ok: true,
    principal: { clientId: row.client_id, clientName: row.name, scopes, granted: expandScopes(scopes), expiresAt: row.expires_at },
  };
}

/** Deletes tokens that expired (run by the retention job). */
export async function purgeExpiredTokens(db: Db, now = new Date()): Promise<number> {
  const r = await db.deleteFrom('oauth_tokens').where('expires_at', '<=', now.toISOString()).executeTakeFirst();
  return Number(r.numDeletedRows);
}

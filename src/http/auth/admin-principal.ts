import type { FastifyRequest } from 'fastify';
import type { Db } from '../../store/db.js';
import { verifyApiKey } from './api-keys.js';
import { SESSION_COOKIE, findSession } from './sessions.js';

export interface Principal {
  kind: 'session' | 'api-key';
  name: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the access hook on 'admin' routes. */
    principal?: Principal;
  }
}

/**
 * Who is calling an 'admin' route: an API key (`Authorization: Bearer ehrb_...` or
 * `X-API-Key`) or the admin's session cookie. A request that presents a key is judged by the
 * key alone: a wrong key is refused even when a valid cookie rides along.
 */
export async function authenticateAdmin(req: FastifyRequest, db: Db): Promise<Principal | null> {
  const header = req.headers.authorization;
  const xKey = req.headers['x-api-key'];
  const apiKey = /^Bearer\s/i.test(header ?? '') ? header!.slice(7).trim() : typeof xKey === 'string' ? xKey : undefined;
  if (header !== undefined || xKey !== undefined) {
    if (!apiKey) return null;
    const key = await verifyApiKey(db, apiKey);
    return key ? { kind: 'api-key', name: key.name } : null;
  }
  const token = req.cookies?.[SESSION_COOKIE];
  if (token) {
    const s = await findSession(db, token);
    if (s) return { kind: 'session', name: s.user };
  }
  return null;
}

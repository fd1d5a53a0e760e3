import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../../store/db.js';
import { HttpError } from '../errors.js';
import { verifyApiKey } from './api-keys.js';
import { SESSION_COOKIE, findSession } from './sessions.js';

export interface Principal {
  kind: 'session' | 'api-key';
  name: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * The engine's own API is not open to the network: every /api route except login needs either
 * the admin's session cookie (web UI) or an API key (`Authorization: Bearer ehrb_...` or
 * `X-API-Key`). Routes opt out with `config: { public: true }`.
 */
export function installApiAuth(app: FastifyInstance, db: Db): void {
  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0] ?? '';
    if (!path.startsWith('/api/')) return;
    if ((req.routeOptions.config as { public?: boolean } | undefined)?.public) return;
    const principal = await authenticate(req, db);
    if (!principal) throw new HttpError(401, 'authentication required: log in or send an API key');
    req.principal = principal;
  });
}

async function authenticate(req: FastifyRequest, db: Db): Promise<Principal | null> {
  const header = req.headers.authorization;
  const apiKey = header?.startsWith('Bearer ') ? header.slice(7).trim() : (req.headers['x-api-key'] as string | undefined);
  if (apiKey) {
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

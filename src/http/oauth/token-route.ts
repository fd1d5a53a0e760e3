import fastifyFormbody from '@fastify/formbody';
import type { FastifyError, FastifyPluginAsync, FastifyReply } from 'fastify';
import type { AppContext } from '../../server/context.js';
import { verifyClientCredentials } from './clients.js';
import { expandScopes, parseScopes } from './scopes.js';
import { issueToken } from './tokens.js';

/**
 * `POST /oauth/token`: OAuth 2.0 client credentials grant (RFC 6749 §4.4), body form-encoded
 * or JSON, client authentication in the body or by HTTP Basic (§2.3.1). Errors use the RFC's
 * JSON shape (§5.2), never the engine's `{ error }` shape, so an OAuth library understands them.
 */
export type OauthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope';

export class OauthError extends Error {
  constructor(
    readonly status: number,
    readonly code: OauthErrorCode,
    description: string,
  ) {
    super(description);
    this.name = 'OauthError';
  }
}

function sendOauth(reply: FastifyReply, status: number, body: Record<string, unknown>): FastifyReply {
  // Token responses must not be cached (RFC 6749 §5.1).
  return reply.status(status).header('cache-control', 'no-store').header('pragma', 'no-cache').send(body);
}

function field(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new OauthError(400, 'invalid_request', `${name} must be a string`);
  return v;
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
  const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  try {
    return { id: dec(decoded.slice(0, i)), secret: dec(decoded.slice(i + 1)) };
  } catch {
    return undefined;
  }
}

export const oauthTokenRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  // Form bodies (RFC 6749 §4.4.2) are parsed here only: the engine API takes JSON alone.
  // (A host app that already parses forms keeps its parser.)
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(fastifyFormbody);
  app.setErrorHandler((err: FastifyError | OauthError, _req, reply) => {
    if (err instanceof OauthError) {
      if (err.code === 'invalid_client') reply.header('www-authenticate', 'Basic realm="ehr-bridge", charset="UTF-8"');
      return sendOauth(reply, err.status, { error: err.code, error_description: err.message });
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Malformed JSON, unsupported media type, body too large: all "invalid_request" here.
      return sendOauth(reply, 400, { error: 'invalid_request', error_description: 'the request body must be form-encoded or JSON' });
    }
    ctx.logger.error({ err: { message: err.message, name: err.name } }, 'oauth token endpoint failed');
    return sendOauth(reply, 500, { error: 'server_error', error_description: 'internal error' });
  });

  app.post('/oauth/token', { config: { access: 'public' }, bodyLimit: 64 * 1024, schema: { tags: ['oauth'], summary: 'OAuth 2.0 client credentials token endpoint' } }, async (req, reply) => {
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const grantType = field(body, 'grant_type');
    if (!grantType) throw new OauthError(400, 'invalid_request', 'grant_type is required');
    if (grantType !== 'client_credentials') throw new OauthError(400, 'unsupported_grant_type', 'only client_credentials is supported');

    const basic = basicCredentials(req.headers.authorization);
    const bodyId = field(body, 'client_id');
    const bodySecret = field(body, 'client_secret');
    if (basic && (bodyId !== undefined || bodySecret !== undefined) && bodyId !== basic.id) {
      throw new OauthError(400, 'invalid_request', 'use one client authentication method');
    }
    const clientId = basic?.id ?? bodyId;
    const clientSecret = basic?.secret ?? bodySecret;
    if (!clientId || !clientSecret) throw new OauthError(401, 'invalid_client', 'client_id and client_secret are required');
    const client = await verifyClientCredentials(ctx.store.db, clientId, clientSecret);
    if (!client) throw new OauthError(401, 'invalid_client', 'client authentication failed');

    const audience = field(body, 'audience');
    const allowed = ctx.config.oauth.audiences;
    if (allowed.length > 0 && (!audience || !allowed.includes(audience))) {
      throw new OauthError(400, 'invalid_request', 'unknown audience');
    }

    // No scope asked: everything the client holds (§3.3). Asked: each must be held or implied.
    const asked = parseScopes(field(body, 'scope'));
    const held = expandScopes(client.scopes);
    const refused = asked.filter((s) => !held.has(s));
    if (refused.length > 0) throw new OauthError(400, 'invalid_scope', `scope not granted to this client: ${refused.join(' ')}`);
    const scopes = asked.length > 0 ? asked : client.scopes;

    const token = await issueToken(ctx.store.db, { clientId: client.id, scopes, audience, ttlSeconds: ctx.config.oauth.tokenTtlSeconds });
    return sendOauth(reply, 200, { access_token: token.accessToken, token_type: 'Bearer', expires_in: token.expiresIn, scope: scopes.join(' ') });
  });
};

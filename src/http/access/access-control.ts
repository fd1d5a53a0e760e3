import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.js';
import type { Db } from '../../store/db.js';
import { authenticateAdmin } from '../auth/admin-principal.js';
import { HttpError } from '../errors.js';
import { mediaType } from '../media-type.js';
import { authenticateFhir, requireScope } from '../fhir/bearer-auth.js';
import { isLoopbackHost } from './loopback.js';
import { routeAccess } from './route-access.js';
import { isSameOrigin, STATE_CHANGING_METHODS } from './same-origin.js';

/** Body types an HTML form can send cross-site without a CORS preflight. */
const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];

/**
 * Default-deny access control (issue 6, item 1): one `onRequest` hook on the root instance, so
 * it runs for every route of every prefix, including routes added later and by third-party
 * plugins. It reads the access the MATCHED route declares (route-access.ts); a route that
 * declares nothing is 'admin'. Install it before any route is registered.
 *
 * Unmatched requests (404) pass: the not-found handlers answer a fixed error or the web UI's
 * index.html, never data.
 */
export function installAccessControl(app: FastifyInstance, deps: { db: Db; config: Config }): void {
  const { db, config } = deps;
  const loopbackOnly = isLoopbackHost(config.host);
  app.addHook('onRequest', async (req, reply) => {
    if (req.is404) return;
    const access = routeAccess(req);
    if (access === 'public' || access === 'partner-sandbox') return;
    if (access === 'sandbox-admin' && loopbackOnly) return;
    if (typeof access === 'object') {
      // FhirError (OperationOutcome, WWW-Authenticate) via the /fhir error handler.
      const client = await authenticateFhir(req, db);
      requireScope(client, access.fhirScope);
      req.fhirClient = client;
      return;
    }
    const refusal = await adminRefusal(req, db, config);
    // Answered here in the engine's own shape: a sandbox route's error handler would otherwise
    // dress the engine's login requirement as the emulated partner's "malformed request".
    if (refusal) return reply.code(refusal.statusCode).send({ error: refusal.message });
  });
}

/** Why an 'admin' route refuses this request, or undefined (and `req.principal` set). */
async function adminRefusal(req: FastifyRequest, db: Db, config: Config): Promise<HttpError | undefined> {
  const principal = await authenticateAdmin(req, db);
  if (!principal) return new HttpError(401, 'authentication required: log in or send an API key');
  if (STATE_CHANGING_METHODS.has(req.method)) {
    if (principal.kind === 'session' && !isSameOrigin(req, config.publicUrl)) {
      return new HttpError(403, 'cross-origin request refused: a signed-in browser request must come from this engine (Origin header)');
    }
    // The engine API takes JSON; form bodies are what a cross-site HTML form would send.
    if (FORM_TYPES.includes(mediaType(req))) return new HttpError(415, 'the API takes JSON bodies (Content-Type: application/json)');
  }
  req.principal = principal;
  return undefined;
}

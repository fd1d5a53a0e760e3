import type { FastifyRequest } from 'fastify';
import type { Db } from '../../store/db.js';
import { verifyAccessToken, type TokenPrincipal } from '../oauth/tokens.js';
import { FhirError } from './fhir-error.js';

/**
 * Bearer tokens from `POST /oauth/token` (RFC 6750). 401 with `WWW-Authenticate` when the
 * token is missing, unknown, revoked or expired; 403 when it lacks the route's technical scope.
 * Called by the access hook (access/access-control.ts) for routes declaring
 * `config: { access: { fhirScope } }`.
 */
declare module 'fastify' {
  interface FastifyRequest {
    fhirClient?: TokenPrincipal;
  }
}

const REALM = 'Bearer realm="ehr-bridge"';

export async function authenticateFhir(req: FastifyRequest, db: Db): Promise<TokenPrincipal> {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!m?.[1]) {
    throw new FhirError(401, 'login', 'Authentication required: send a Bearer access token from POST /oauth/token', { headers: { 'www-authenticate': REALM } });
  }
  const check = await verifyAccessToken(db, m[1]);
  if (!check.ok) {
    const why = check.reason === 'expired' ? 'The access token has expired' : 'The access token is not valid';
    throw new FhirError(401, check.reason === 'expired' ? 'expired' : 'login', why, {
      headers: { 'www-authenticate': `${REALM}, error="invalid_token", error_description="${why}"` },
    });
  }
  return check.principal;
}

export function requireScope(principal: TokenPrincipal, scope: string): void {
  if (!principal.granted.has(scope)) {
    throw new FhirError(403, 'forbidden', `This operation needs the ${scope} scope`, {
      headers: { 'www-authenticate': `${REALM}, error="insufficient_scope", scope="${scope}"` },
    });
  }
}

import type { FastifyPluginAsync } from 'fastify';
import { getEhrSandboxInfo } from '../../sandboxes/ehr/plugin.js';
import type { AppContext } from '../../server/context.js';
import { oauthClientRoutes } from '../oauth/client-routes.js';
import { oauthTokenRoutes } from '../oauth/token-route.js';
import { documentsRoutes } from './documents-routes.js';
import { fhirApi } from './fhir-plugin.js';

/**
 * Everything issue 3 adds to the engine's HTTP server, in one registration:
 * `/fhir` (FHIR API), `POST /oauth/token`, `/api/oauth-clients` and `/api/documents` (admin).
 * Also tells the delivery service where this process's sandbox EHR receiver listens, for
 * routes without an address (the embedded run's default route).
 */
export const sendToEhrHttp: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  ctx.sendToEhr().useSandboxReceiver(() => {
    try {
      const info = getEhrSandboxInfo(app);
      if (!ctx.engineUrl) return undefined;
      return { mllpHost: info.mllpHost, mllpPort: info.mllpPort, dropDir: info.dropDir, jsonUrl: `${ctx.engineUrl}/sandbox/ehr/json` };
    } catch {
      return undefined;
    }
  });
  await app.register(fhirApi, { ctx, prefix: '/fhir' });
  await app.register(oauthTokenRoutes, { ctx });
  await app.register(oauthClientRoutes, { ctx });
  await app.register(documentsRoutes, { ctx });
};

export { fhirApi } from './fhir-plugin.js';
export { FhirError, operationOutcome } from './fhir-error.js';

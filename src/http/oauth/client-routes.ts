import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../server/context.js';
import { HttpError } from '../errors.js';
import { createOauthClient, listOauthClients, revokeOauthClient, ScopeError } from './clients.js';
import { FUNCTIONAL_SCOPES, KNOWN_SCOPES } from './scopes.js';

/** Admin API for the FHIR API's OAuth clients (behind the engine's session / API-key auth). */
export const oauthClientRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/api/oauth-clients', { schema: { tags: ['oauth clients'] } }, async () => ({
    items: await listOauthClients(ctx.store.db),
    scopes: { functional: FUNCTIONAL_SCOPES, known: KNOWN_SCOPES },
  }));

  app.post(
    '/api/oauth-clients',
    {
      schema: {
        tags: ['oauth clients'],
        body: z.object({ name: z.string().trim().min(1).max(200), scopes: z.union([z.string(), z.array(z.string())]) }),
      },
    },
    async (req, reply) => {
      try {
        return reply.status(201).send(await createOauthClient(ctx.store.db, req.body));
      } catch (e) {
        if (e instanceof ScopeError) throw new HttpError(400, e.message, { scopes: [e.message] });
        throw e;
      }
    },
  );

  app.delete('/api/oauth-clients/:id', { schema: { tags: ['oauth clients'], params: z.object({ id: z.string().uuid() }) } }, async (req, reply) => {
    if (!(await revokeOauthClient(ctx.store.db, req.params.id))) throw new HttpError(404, 'no such active client');
    return reply.status(204).send();
  });
};

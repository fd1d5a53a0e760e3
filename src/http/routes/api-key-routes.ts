import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createApiKey, listApiKeys, revokeApiKey } from '../auth/api-keys.js';
import { HttpError } from '../errors.js';
import type { AppContext } from '../../server/context.js';

export const apiKeyRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/api/api-keys', { schema: { tags: ['api keys'] } }, async () => ({ items: await listApiKeys(ctx.store.db) }));
  app.post(
    '/api/api-keys',
    { schema: { tags: ['api keys'], body: z.object({ name: z.string().trim().min(1).max(200) }) } },
    async (req, reply) => reply.status(201).send(await createApiKey(ctx.store.db, req.body.name)),
  );
  app.delete('/api/api-keys/:id', { schema: { tags: ['api keys'], params: z.object({ id: z.string().uuid() }) } }, async (req, reply) => {
    if (!(await revokeApiKey(ctx.store.db, req.params.id))) throw new HttpError(404, 'no such active API key');
    return reply.status(204).send();
  });
};

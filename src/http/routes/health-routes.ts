import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { AppContext } from '../../server/context.js';

export const healthRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/healthz', { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) => {
    try {
      await sql`select 1`.execute(ctx.store.db);
      return { status: 'ok', database: ctx.store.dialect, queue: ctx.queue.kind };
    } catch {
      return reply.status(503).send({ status: 'unavailable' });
    }
  });
};

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { workersStatus } from '../../queue/worker-status.js';
import type { AppContext } from '../../server/context.js';

/**
 * The queue's worker processes, for operators running several `serve` processes: which are
 * alive (heartbeat within the dead-after time) and which jobs and chunk leases each holds.
 * Admin only (the default access).
 */
export const workerRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/api/workers', { schema: { tags: ['queue'] } }, async () => workersStatus(ctx.store, ctx.queue));
};

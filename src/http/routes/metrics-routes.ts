import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { AppContext } from '../../server/context.js';

/**
 * Prometheus metrics at /metrics (API key or session, like the rest of the engine). Labels are
 * statuses and kinds only: never an id, a name or anything from a record.
 */
export const metricsRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ehr_bridge_' });
  const rows = new Gauge({ name: 'ehr_bridge_import_rows', help: 'Import rows by status, over all runs', labelNames: ['status'], registers: [registry] });
  const runs = new Gauge({ name: 'ehr_bridge_import_runs', help: 'Import runs by status', labelNames: ['status'], registers: [registry] });
  const queue = new Gauge({ name: 'ehr_bridge_queue_pending_jobs', help: 'Jobs not yet completed', registers: [registry] });

  app.get('/api/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const db = ctx.store.db;
    rows.reset();
    for (const r of await db.selectFrom('import_rows').select(['status', (eb) => eb.fn.countAll().as('n')]).groupBy('status').execute()) rows.set({ status: r.status }, Number(r.n));
    runs.reset();
    for (const r of await db.selectFrom('import_runs').select(['status', (eb) => eb.fn.countAll().as('n')]).groupBy('status').execute()) runs.set({ status: r.status }, Number(r.n));
    queue.set(await ctx.queue.pendingCount());
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
};

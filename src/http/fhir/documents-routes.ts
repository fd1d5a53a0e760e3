import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DELIVERY_STATUSES } from '../../flows/send-to-ehr/types.js';
import type { AppContext } from '../../server/context.js';
import { HttpError } from '../errors.js';

/**
 * The documents page's API (engine `/api`, behind the admin session or an API key): sendings
 * with their latest status, filters, one sending's deliveries, attempts and message as sent
 * (base64 elided), and a re-send for failed ones.
 */
export const documentsRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/documents',
    {
      schema: {
        tags: ['documents'],
        querystring: z.object({
          status: z.enum(DELIVERY_STATUSES).optional(),
          route: z.string().max(64).optional(),
          clientId: z.string().max(64).optional(),
          q: z.string().max(128).optional(),
          from: z.string().max(40).optional(),
          to: z.string().max(40).optional(),
          limit: z.coerce.number().int().min(1).max(200).optional(),
          offset: z.coerce.number().int().min(0).optional(),
        }),
      },
    },
    async (req) => ({ ...(await ctx.sendToEhr().list(req.query)), routes: Object.keys(ctx.config.ehr.routes) }),
  );

  app.get('/api/documents/:id', { schema: { tags: ['documents'], params: z.object({ id: z.string().uuid() }) } }, async (req) => {
    const d = await ctx.sendToEhr().detail(req.params.id);
    if (!d) throw new HttpError(404, 'no such document');
    return d;
  });

  app.post('/api/documents/:id/resend', { schema: { tags: ['documents'], params: z.object({ id: z.string().uuid() }) } }, async (req, reply) => {
    const r = await ctx.sendToEhr().resend(req.params.id);
    if ('deliveryId' in r) return reply.status(202).send(r);
    if (r.error === 'not-found') throw new HttpError(404, 'no such document');
    if (r.error === 'purged') throw new HttpError(409, 'the document bytes were purged (retention): it cannot be sent again');
    throw new HttpError(409, 'only a failed delivery can be sent again');
  });
};

import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { SyncStatus } from '../../flows/sync/channel.js';
import type { AppContext } from '../../server/context.js';

/** One channel as `GET /api/sync/status` returns it (ChannelStatus in src/flows/sync/channel.ts). */
const channelStatus = z.object({
  name: z.string().describe('Also the `channel` of the messages it stores (mllp, fhir)'),
  kind: z.string().describe('What kind of source it is, in words'),
  state: z.enum(['running', 'stopped', 'failing']),
  detail: z.string().describe('Where it listens or what it polls'),
  received: z.number().int().describe('Messages stored since this process started'),
  duplicates: z.number().int().describe('Resends recognised and not stored twice'),
  rejected: z.number().int().describe('Messages refused (AE/AR)'),
  errors: z.number().int().describe('Failures of the channel itself'),
  lastMessageAt: z.string().nullable(),
  lastError: z.string().nullable().describe('In words, without patient data'),
});

const syncStatus = z.object({
  channels: z.array(channelStatus),
  processing: z.object({
    running: z.boolean().describe('Whether this process runs the sync processor'),
    waiting: z.number().int().describe('Messages stored and not yet processed'),
    oldestWaitingAt: z.string().nullable(),
    failed: z.number().int().describe('Messages whose processing failed (they can be reprocessed)'),
    processedLastHour: z.number().int(),
  }),
  target: z.object({ name: z.string(), baseUrl: z.string().nullable() }),
}) satisfies z.ZodType<SyncStatus>;

/**
 * The continuous sync at a glance (issue 8, "Seeing it work"): each channel of this process
 * with its state and counters, and the processing backlog of all processes. The Sync page polls
 * it every few seconds. Admin session or API key (the default access).
 */
export const syncRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/sync/status',
    {
      schema: {
        tags: ['sync'],
        description: "The sync's channels (MLLP listener, FHIR change feed) of this process, with their counters, and the messages waiting, failed and processed in the last hour.",
        response: { 200: syncStatus },
      },
    },
    async () => ctx.sync().status(),
  );
};

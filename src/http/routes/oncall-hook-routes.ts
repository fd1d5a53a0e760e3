import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { OncallHookChannel, ONCALL_HOOK_CHANNEL, ONCALL_HOOK_MAX_BYTES, ONCALL_SIGNATURE_HEADER, oncallWebhookPath } from '../../channels/oncall-hook/index.js';
import type { AppContext } from '../../server/context.js';
import { HttpError } from '../errors.js';

/**
 * The OnCall Health webhook receiver (issue 9; oncall-patient-sync-guide.txt "Using OnCall
 * Health as the system of record"): `POST /hooks/oncall` (EHR_BRIDGE_ONCALL_WEBHOOK_PATH).
 * Public, since OnCall holds no engine credentials; a delivery proves itself with its
 * X-OnCall-Signature when a secret is configured. The body is taken as raw bytes (the signature
 * covers them as sent) whatever its content type, and answered 202 only once it is stored.
 * Without the channel (sync off in this process) every delivery gets the same 503, so OnCall
 * keeps it and retries.
 */
export const oncallHookRoutes: FastifyPluginAsyncZod<{ ctx: AppContext; path?: string }> = async (app, { ctx, path }) => {
  const channel = (): OncallHookChannel | undefined => {
    const ch = ctx.sync().channel(ONCALL_HOOK_CHANNEL);
    return ch instanceof OncallHookChannel ? ch : undefined;
  };

  // Scoped to this plugin: every content type read as bytes, parsed by the channel after the signature check.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ONCALL_HOOK_MAX_BYTES }, (_req, body, done) => done(null, body));

  app.post(
    path ?? oncallWebhookPath(process.env),
    { config: { access: 'public' }, bodyLimit: ONCALL_HOOK_MAX_BYTES, schema: { hide: true } },
    async (request, reply) => {
      const ch = channel();
      if (!ch) {
        void reply.header('retry-after', '60');
        throw new HttpError(503, 'OnCall webhooks are not received by this engine now (sync is off here).');
      }
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const sig = request.headers[ONCALL_SIGNATURE_HEADER];
      const answer = await ch.handle(raw, Array.isArray(sig) ? sig[0] : sig, request.ip);
      if (answer.status === 202) return reply.code(202).send({ status: 'stored', messageId: answer.messageId });
      if (answer.status === 503) void reply.header('retry-after', '30');
      throw new HttpError(answer.status, answer.error, answer.fieldErrors);
    },
  );
};

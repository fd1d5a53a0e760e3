import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FhirFeedChannel, FHIR_HOOK_PATH } from '../../channels/fhir-feed/index.js';
import type { AppContext } from '../../server/context.js';
import { HttpError } from '../errors.js';

/** A notification carries one resource or a small Bundle: 1 MiB is far above either. */
export const FHIR_HOOK_MAX_BYTES = 1024 * 1024;

/**
 * The rest-hook receiver of the FHIR change feed (issue 8, source 2;
 * https://hl7.org/fhir/R4/subscription.html#2.46.7.1): the EMR POSTs here when a Patient or an
 * Appointment changes. Public (the EMR has no engine credentials) but guarded by the random
 * token the feed put in the Subscription's endpoint, compared in constant time before the body
 * is read. The answer is 200 only once what the notification names is stored, so an EMR that
 * gets an error retries and nothing is lost; the poll catches up on the rest.
 */
export const fhirHookRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const feed = (): FhirFeedChannel | undefined => {
    const ch = ctx.sync().channel('fhir');
    return ch instanceof FhirFeedChannel ? ch : undefined;
  };

  // Scoped to this plugin: the raw bytes, parsed here (an empty body is R4's "ping").
  for (const ct of ['application/json', 'application/fhir+json']) if (app.hasContentTypeParser(ct)) app.removeContentTypeParser(ct);
  app.addContentTypeParser(['application/json', 'application/fhir+json'], { parseAs: 'buffer', bodyLimit: FHIR_HOOK_MAX_BYTES }, (_req, body, done) => {
    const buf = body as Buffer;
    if (buf.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(buf.toString('utf8')));
    } catch {
      done(new HttpError(400, 'The notification is not valid JSON.'));
    }
  });

  app.post(
    `${FHIR_HOOK_PATH}/:token`,
    {
      config: { access: 'public' },
      bodyLimit: FHIR_HOOK_MAX_BYTES,
      schema: { hide: true, params: z.object({ token: z.string().max(200) }) },
      onRequest: async (request) => {
        const ch = feed();
        const token = (request.params as { token?: string }).token ?? '';
        // The same answer for no feed and a wrong token: nothing tells a caller which it was.
        if (!ch || !(await ch.tokenMatches(token))) throw new HttpError(401, 'Unknown notification endpoint.');
      },
    },
    async (request, reply) => {
      const ch = feed();
      if (!ch) throw new HttpError(401, 'Unknown notification endpoint.');
      try {
        const outcome = await ch.handleNotification(request.body);
        return reply.code(200).send({ status: 'stored', ...outcome });
      } catch (e) {
        // Not stored: an error makes the EMR retry. The reason goes to the log without content.
        request.log.warn({ err: { name: (e as Error).name } }, 'FHIR notification not stored');
        throw new HttpError(503, 'The notification could not be stored; send it again.');
      }
    },
  );
};

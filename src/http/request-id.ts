import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/**
 * Every request gets a random UUID as its id (fastify `genReqId`), sent back as `X-Request-Id`
 * on every response and written in every log line about it, so an integration team can quote
 * the id of a failed call and we can find its log line. A client's own `X-Request-Id` is not
 * trusted: it would let a caller forge or collide log entries.
 */
export const REQUEST_ID_HEADER = 'x-request-id';

export function newRequestId(): string {
  return randomUUID();
}

/** First hook of the root instance, so even a request refused by a later hook carries its id. */
export function installRequestIdHeader(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    reply.header(REQUEST_ID_HEADER, req.id);
  });
}

import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * Every request gets a random UUID as its id (fastify `genReqId`), sent back as `X-Request-Id`
 * on every response and written in every log line about it, so an integration team can quote
 * the id of a failed call and we can find its log line. A client's own `X-Request-Id` is not
 * trusted: it would let a caller forge or collide log entries. Behind a proxy that stamps its
 * own ids, `EHR_BRIDGE_REQUEST_ID_HEADER` names its header; a value that is not a plain token
 * (letters, digits, `.`, `_`, `:`, `-`, at most 128) is replaced by a UUID all the same.
 */
export const REQUEST_ID_HEADER = 'x-request-id';

const TRUSTED_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdGenerator(trustedHeader?: string): (req: IncomingMessage) => string {
  if (!trustedHeader) return () => randomUUID();
  const name = trustedHeader.toLowerCase();
  return (req) => {
    const given = req.headers[name];
    return typeof given === 'string' && TRUSTED_ID.test(given) ? given : randomUUID();
  };
}

/** First hook of the root instance, so even a request refused by a later hook carries its id. */
export function installRequestIdHeader(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    reply.header(REQUEST_ID_HEADER, req.id);
  });
}

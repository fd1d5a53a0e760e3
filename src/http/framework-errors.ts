import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { operationOutcome } from './fhir/fhir-error.js';
import { REQUEST_ID_HEADER } from './request-id.js';
import { applySecurityHeaders } from './security-headers.js';

/**
 * Answers for the errors fastify raises before a route is matched (fastify `frameworkErrors`):
 * a path parameter it cannot percent-decode (400), one over the router's length limit (414).
 * No hook runs for these, so the security headers and request id are set here, and under
 * /fhir the body is an OperationOutcome like every other FHIR error. The URL is never echoed:
 * it can carry patient search terms.
 */
const FHIR_PATH = /^\/(?:f|%66)(?:h|%68)(?:i|%69)(?:r|%72)(?:[/?]|$)/i;

const MESSAGES: Record<string, string> = {
  FST_ERR_BAD_URL: 'The URL is not valid: a path segment is not correctly percent-encoded',
  FST_ERR_MAX_PARAM_LENGTH: 'The URL is too long: a path segment exceeds the length limit',
};

export function frameworkErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  applySecurityHeaders(req, reply);
  reply.header(REQUEST_ID_HEADER, req.id);
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
  if (status >= 500) req.log.error({ requestId: req.id, code: err.code }, 'framework error');
  const message = MESSAGES[err.code] ?? (status >= 500 ? 'internal error' : 'The request is not valid');
  if (FHIR_PATH.test(req.raw.url ?? '')) {
    const code = status >= 500 ? 'exception' : status === 414 ? 'too-long' : 'structure';
    const diagnostics = status >= 500 ? `Internal server error (request id ${req.id})` : message;
    return reply
      .code(status)
      .type('application/fhir+json; charset=utf-8')
      .send(operationOutcome(status >= 500 ? 'fatal' : 'error', code, diagnostics));
  }
  return reply.code(status).send(status >= 500 ? { error: message, requestId: req.id } : { error: message });
}

import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/**
 * The engine API's one error shape: `{ error, fieldErrors? }` with a 4xx status, and
 * `{ error: 'internal error', requestId }` on a 500 (the id is in the log line and the
 * X-Request-Id header). Field errors name the field and what is wrong, never echo the value.
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly fieldErrors?: Record<string, string[]>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpError | Error, req, reply) => {
    if (err instanceof HttpError) {
      return reply.status(err.statusCode).send({ error: err.message, ...(err.fieldErrors ? { fieldErrors: err.fieldErrors } : {}) });
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const fieldErrors: Record<string, string[]> = {};
      for (const v of err.validation) {
        const path = (v.instancePath || '/').replace(/^\//, '').replace(/\//g, '.') || String(v.params?.missingProperty ?? '(body)');
        (fieldErrors[path] ??= []).push(v.message ?? 'invalid');
      }
      return reply.status(400).send({ error: `invalid ${err.validationContext ?? 'request'}`, fieldErrors });
    }
    const status = (err as FastifyError).statusCode;
    // V8's JSON.parse message quotes the start of the body, which can be patient data.
    if (status === 400 && err instanceof SyntaxError) return reply.status(400).send({ error: 'the request body is not valid JSON' });
    if (status && status >= 400 && status < 500) {
      return reply.status(status).send({ error: err.message });
    }
    logInternalError(req, err);
    return reply.status(500).send({ error: 'internal error', requestId: req.id });
  });
}

/**
 * One log line per 500, findable by the request id the client got: the route pattern (never the
 * URL, which can carry patient search terms), the error's name, message and stack, never the
 * request body or headers. Keys avoid the redaction list's `*.name`, which would hide the name.
 */
export function logInternalError(req: FastifyRequest, err: Error): void {
  req.log.error(
    { requestId: req.id, method: req.method, route: req.routeOptions.url ?? '(no route)', error: { type: err.name, message: err.message, stack: err.stack } },
    'internal error',
  );
}

import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/**
 * The engine API's one error shape: `{ error, fieldErrors? }` with a 4xx/5xx status.
 * Field errors name the field and what is wrong, never echo the submitted value.
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
    if (status && status >= 400 && status < 500) {
      return reply.status(status).send({ error: err.message });
    }
    req.log.error({ err: { message: err.message, name: err.name } }, 'unhandled error');
    return reply.status(500).send({ error: 'internal error' });
  });
}

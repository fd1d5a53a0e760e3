import type { FastifyRequest } from 'fastify';

/** The request's media type: the Content-Type without its parameters, lower case ('' when absent). */
export function mediaType(req: FastifyRequest): string {
  return String(req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

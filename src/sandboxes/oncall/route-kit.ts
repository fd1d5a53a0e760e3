import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods, LogLevel } from 'fastify';
import { DETAIL } from './drf-errors.js';
import { baseUrlOf } from './resource-urls.js';
import type { SandboxContext } from './sandbox-context.js';

/**
 * Route registration shared by the API and admin scopes: each path answers with and without
 * its trailing slash (DRF URLs end in "/"; clients often drop it), methods a path does not
 * support get DRF's 405, and handlers return a plain `{status, body}` so the timeout fault can
 * swallow the response after the handler has applied its change.
 */

export interface ApiResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type ApiHandler = (request: FastifyRequest, base: string) => ApiResult | Promise<ApiResult>;

export const SUPPORTED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Method = (typeof SUPPORTED_METHODS)[number];

export interface RouteKitOptions {
  prefix: string;
  logLevel: LogLevel;
  ignoreTrailingSlash: boolean;
  /** Whether the timeout fault applies to these routes (API routes, not admin ones). */
  faultable: boolean;
}

export function ok(body: unknown, status = 200): ApiResult {
  return { status, body };
}

export const NOT_FOUND: ApiResult = { status: 404, body: { detail: DETAIL.notFound } };

/** The parsed body; no body at all reads as `{}` (DRF's empty data), an explicit JSON null stays null. */
export function bodyOf(request: FastifyRequest): unknown {
  return request.body === undefined ? {} : request.body;
}

export function send(reply: FastifyReply, result: ApiResult): FastifyReply {
  reply.code(result.status);
  if (result.headers) reply.headers(result.headers);
  return reply.send(result.body);
}

export class RouteKit {
  constructor(
    private readonly scope: FastifyInstance,
    private readonly ctx: SandboxContext,
    private readonly opts: RouteKitOptions,
  ) {}

  /** `path` ends with "/"; `handlers` maps the allowed methods. */
  add(path: string, handlers: Partial<Record<Method, ApiHandler>>): void {
    const allowed = Object.keys(handlers) as Method[];
    const allowHeader = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].join(', ');
    const paths = this.opts.ignoreTrailingSlash ? [path] : [path, path.slice(0, -1)];
    for (const url of paths) {
      for (const method of SUPPORTED_METHODS) {
        const handler = handlers[method] ?? this.notAllowed(method, allowHeader);
        this.scope.route({
          method: method as HTTPMethods,
          url,
          logLevel: this.opts.logLevel,
          handler: this.wrap(handler),
        });
      }
    }
  }

  private notAllowed(method: string, allow: string): ApiHandler {
    const result: ApiResult = { status: 405, body: { detail: DETAIL.methodNotAllowed(method) }, headers: { allow } };
    return () => result;
  }

  private wrap(handler: ApiHandler) {
    const { ctx, opts } = this;
    return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const result = await handler(request, baseUrlOf(request, opts.prefix));
      if (opts.faultable && ctx.toHold.has(request.raw)) {
        ctx.hold(request, reply);
        return reply;
      }
      return send(reply, result);
    };
  }
}

import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';

/**
 * Who may call a route, declared on the route itself (`config: { access }`) and enforced by
 * one `onRequest` hook on the MATCHED route (access-control.ts), never on the raw URL: the
 * router decodes `/%61pi/...` into `/api/...`, so a prefix test on `req.url` is bypassable.
 * A route that declares nothing is 'admin' (default-deny).
 */
export type RouteAccess =
  | 'public' // anyone: login, logout, /healthz, web UI assets, POST /oauth/token, /fhir/metadata, /docs
  | 'admin' // engine session cookie or API key. DEFAULT: a route that declares nothing is 'admin'
  | { fhirScope: string } // OAuth bearer token (POST /oauth/token) that holds this technical scope
  | 'partner-sandbox' // a partner emulator's own API (it checks its own key, e.g. OnCall `Token`): open as far as the engine is concerned
  | 'sandbox-admin'; // an emulator's control/inspection routes (`/_admin/...`): open only while the engine listens on loopback only, else 'admin'

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

export const DEFAULT_ACCESS: RouteAccess = 'admin';

export function routeAccess(req: FastifyRequest): RouteAccess {
  return req.routeOptions.config?.access ?? DEFAULT_ACCESS;
}

/**
 * Tags every route registered inside `app` (and its children) with `access`, for plugins whose
 * routes we do not declare ourselves (@fastify/static, swagger-ui). Call it inside an
 * encapsulating plugin, before registering the third-party plugin.
 */
export function tagRoutes(app: FastifyInstance, access: RouteAccess): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    route.config = { ...(route.config ?? {}), access };
  });
}

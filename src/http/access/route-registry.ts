import type { FastifyInstance, RouteOptions } from 'fastify';
import { DEFAULT_ACCESS, type RouteAccess } from './route-access.js';

export interface RegisteredRoute {
  method: string;
  url: string;
  access: RouteAccess;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered on this server with the access it ended up with (after all onRoute hooks). */
    registeredRoutes(): RegisteredRoute[];
  }
}

/**
 * Records every route as it is added, so a test can walk them all (the route-walking access
 * test) and an operator could list what is exposed. Install on the root before any route.
 * The route options are kept by reference and read late, so tags added by later onRoute hooks
 * (sandbox and static-file wrappers) are seen.
 */
export function installRouteRegistry(app: FastifyInstance): void {
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
  app.decorate('registeredRoutes', () =>
    routes.flatMap((r) =>
      (Array.isArray(r.method) ? r.method : [r.method]).map((method) => ({ method, url: r.url, access: r.config?.access ?? DEFAULT_ACCESS })),
    ),
  );
}

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
 * The route options are kept by reference and their config read late, so tags added by later
 * onRoute hooks (sandbox and static-file wrappers) are seen.
 */
export function installRouteRegistry(app: FastifyInstance): void {
  const routes: { method: string; url: string; options: RouteOptions }[] = [];
  app.addHook('onRoute', (route) => {
    // Fastify reuses one options object for a prefix's '/' route: it runs the hooks for
    // `/prefix`, then re-points the same object at `/prefix/` without running them again.
    // Method and URL are copied now; the config is read late through the reference.
    const urls = [route.url];
    const r = route as RouteOptions & { routePath?: string; prefix?: string };
    if (r.routePath === '' && r.prefix && (route.prefixTrailingSlash ?? 'both') === 'both') urls.push(`${route.url}/`);
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      for (const url of urls) if (!routes.some((x) => x.method === method && x.url === url)) routes.push({ method, url, options: route });
    }
  });
  app.decorate('registeredRoutes', () => routes.map((r) => ({ method: r.method, url: r.url, access: r.options.config?.access ?? DEFAULT_ACCESS })));
}

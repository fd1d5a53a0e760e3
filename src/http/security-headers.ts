import type { IncomingMessage, ServerResponse } from 'node:http';
import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The one security-header policy of every response the engine sends: /api, /fhir, /oauth,
 * /sandbox, /docs, the web UI, and their errors and 404s alike (issue 6, item 6).
 *
 * Content-Security-Policy fits what we serve ourselves and nothing more:
 * - the web UI (vite build in dist/web): module scripts and a worker from our origin, no inline
 *   script; Mantine writes inline `style` attributes and <style> tags, hence 'unsafe-inline' for
 *   styles only (styles cannot run code);
 * - swagger-ui at /docs: scripts and CSS files from our origin (its initializer is a file, not an
 *   inline script), inline styles, `data:` images (its SVG icons).
 * No `upgrade-insecure-requests`: an engine reached over plain http on a LAN address would have
 * every asset rewritten to https and render blank. HSTS only on https requests (a browser
 * ignores it over http, and sending it from a plain-http engine would be a lie).
 */
export const CONTENT_SECURITY_POLICY: Record<string, string[]> = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'worker-src': ["'self'"],
  'object-src': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

export const HSTS_VALUE = 'max-age=31536000; includeSubDomains';

const POLICY: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
  xFrameOptions: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: false,
  // The engine serves no cross-origin embeddable resources; its APIs are called server to server.
  crossOriginResourcePolicy: { policy: 'same-origin' },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
};

const rawHelmet = helmet(POLICY);

function isHttps(req: FastifyRequest): boolean {
  return req.protocol === 'https';
}

/**
 * Registers the policy on the root instance, before any route or auth hook: helmet's onRequest
 * hooks then run first for every request, so a request refused by an auth hook (401/403) or
 * answered by a 404 handler carries the headers too.
 */
export async function installSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(fastifyHelmet, POLICY as FastifyHelmetOptions);
  app.addHook('onRequest', async (req, reply) => {
    if (isHttps(req)) reply.header('strict-transport-security', HSTS_VALUE);
  });
}

/**
 * The same policy for the few answers fastify makes before routing (a URL it cannot decode, a
 * parameter over the router's length limit): no hook runs for those, so the headers are set on
 * the raw response here.
 */
export function applySecurityHeaders(req: FastifyRequest, reply: FastifyReply): void {
  rawHelmet(req.raw as IncomingMessage, reply.raw as ServerResponse, () => undefined);
  if (isHttps(req)) reply.header('strict-transport-security', HSTS_VALUE);
}

import fastifyCookie from '@fastify/cookie';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../server/context.js';
import { embeddedSandboxOptions } from '../sandboxes/embedded.js';
import { sandboxesEnabled } from '../sandboxes/enabled.js';
import { mountSandboxes } from '../sandboxes/mount.js';
import { installAccessControl } from './access/access-control.js';
import { installRouteRegistry } from './access/route-registry.js';
import { httpLogger } from '../logging/logger.js';
import { installErrorHandler } from './errors.js';
import { registerOpenApi } from './openapi.js';
import { frameworkErrorHandler } from './framework-errors.js';
import { installRequestIdHeader, requestIdGenerator } from './request-id.js';
import { installSecurityHeaders } from './security-headers.js';
import { apiKeyRoutes } from './routes/api-key-routes.js';
import { authRoutes } from './routes/auth-routes.js';
import { sendToEhrHttp } from './fhir/index.js';
import { healthRoutes } from './routes/health-routes.js';
import { importRoutes } from './routes/import-routes.js';
import { importPreviewRoutes } from './routes/import-preview-routes.js';
import { mappingTemplateRoutes } from './routes/mapping-template-routes.js';
import { messagesRoutes } from './routes/messages-routes.js';
import { metricsRoutes } from './routes/metrics-routes.js';
import { oncallTargetRoutes } from './routes/oncall-target-routes.js';
import { oncallRecordRoutes } from './routes/oncall-record-routes.js';
import { reconcileRoutes } from './routes/reconcile-routes.js';
import { fhirHookRoutes } from './routes/fhir-hook-routes.js';
import { oncallHookRoutes } from './routes/oncall-hook-routes.js';
import { syncRoutes } from './routes/sync-routes.js';
import { syncScanRoutes } from './routes/sync-scan-routes.js';
import { syncReviewRoutes } from './routes/sync-review-routes.js';
import { workerRoutes } from './routes/worker-routes.js';
import { serveWebUi } from './web-static.js';

export interface BuildAppOptions {
  /** Serve the partner sandboxes under /sandbox (the embedded run). */
  sandboxes?: boolean;
  webUi?: boolean;
}

/**
 * The engine's HTTP server: its API under /api (zod schemas, OpenAPI at /docs), the web UI at
 * /, and in the embedded run the partner sandboxes under /sandbox.
 */
export async function buildApp(ctx: AppContext, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    // The engine's logger (errors with the request id); no per-request lines: URLs can carry
    // patient search terms (/fhir/Patient?family=...).
    loggerInstance: httpLogger(ctx.logger) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdGenerator(ctx.config.requestIdHeader),
    requestIdHeader: false,
    // Above FHIR's 64-character ids, so a long id reaches its route and gets the route's own 400.
    routerOptions: { maxParamLength: 1024 },
    frameworkErrors: frameworkErrorHandler,
    // A 50 MB CSV arrives as a stream (PUT /api/imports/:id/file), not through this limit.
    bodyLimit: 2 * 1024 * 1024,
    trustProxy: ctx.config.trustProxy,
  }).withTypeProvider<ZodTypeProvider>();
  // First hooks of all: a request refused by the access hook (401/403) or answered by a 404
  // handler still carries its request id and the security headers.
  installRequestIdHeader(app);
  await installSecurityHeaders(app);
  // Before any route, so it sees every route of every prefix and plugin.
  installRouteRegistry(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);

  await app.register(fastifyCookie);
  // After the cookie parser (its onRequest hook must run first), before any route.
  installAccessControl(app, { db: ctx.store.db, config: ctx.config });
  // The engine's API (no sandbox routes) at /docs.
  await registerOpenApi(app);

  await app.register(healthRoutes, { ctx });
  await app.register(authRoutes, { ctx });
  await app.register(apiKeyRoutes, { ctx });
  await app.register(mappingTemplateRoutes, { ctx });
  await app.register(oncallTargetRoutes, { ctx });
  await app.register(oncallRecordRoutes, { ctx });
  await app.register(importRoutes, { ctx });
  await app.register(importPreviewRoutes, { ctx });
  await app.register(metricsRoutes, { ctx });
  await app.register(workerRoutes, { ctx });
  await app.register(messagesRoutes, { ctx });
  await app.register(syncRoutes, { ctx });
  await app.register(syncScanRoutes, { ctx });
  await app.register(syncReviewRoutes, { ctx });
  await app.register(reconcileRoutes, { ctx });
  await app.register(fhirHookRoutes, { ctx });
  await app.register(oncallHookRoutes, { ctx });
  await app.register(sendToEhrHttp, { ctx });

  if (opts.sandboxes ?? sandboxesEnabled(ctx.config)) await mountSandboxes(app, '/sandbox', embeddedSandboxOptions(ctx.config, ctx.sandboxWebhooks));
  if (opts.webUi ?? true) await serveWebUi(app);
  return app;
}

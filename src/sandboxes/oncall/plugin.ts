import type { FastifyError, FastifyInstance, LogLevel, FastifyPluginAsync, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { registerAdminRoutes } from './admin-routes.js';
import { registerOncallIndexRoute } from './index-page.js';
import { registerAppointmentRoutes } from './appointment-routes.js';
import { DEFAULT_API_KEY, DEFAULT_TIMEOUT_HOLD_MS } from './assumptions.js';
import { checkAuthorization } from './auth.js';
import { registerContactRoutes } from './contact-routes.js';
import { registerDirectoryRoutes } from './directory-routes.js';
import { DETAIL } from './drf-errors.js';
import { RouteKit, type RouteKitOptions } from './route-kit.js';
import { SandboxContext } from './sandbox-context.js';
import { parseAllowedHosts, WebhookTargetPolicy, type ResolveAll } from './webhook-target.js';
import type { WebhookConfig } from './webhooks.js';

/**
 * OnCall Health sandbox: a faithful in-memory emulator of the OnCall REST API (roster contacts,
 * appointments, participants, providers, divisions, webhooks) plus `/_admin/` switches for
 * faults, reset and counters. Sources: /work/shared/seeds/oncall-*.txt and the OnCall section
 * of /work/shared/reference/partner-apis.md; undocumented choices are in `assumptions.ts`.
 *
 * Mount with `app.register(oncallSandbox, { prefix: '/oncall' })`. The plugin is encapsulated:
 * its JSON parser, error and not-found handlers apply inside its prefix only. Request logging
 * is off for its routes unless the host passes `logLevel` in the register options.
 */

export interface SandboxWebhookControl {
  set?(config: WebhookConfig): void;
  get?(): WebhookConfig;
}

export interface OncallSandboxOptions {
  apiKey?: string;
  /** Initial webhook target, trusted as given (code, not a request, sets it). */
  webhookUrl?: string;
  webhookSecret?: string;
  /**
   * Filled by the plugin with a setter of the webhook target, for an engine that embeds the
   * sandbox and learns its own address (its receiver's URL) only after it listens.
   */
  webhookControl?: SandboxWebhookControl;
  /**
   * Hosts (names or addresses) `POST /_admin/webhooks` may target besides loopback; default
   * SANDBOX_WEBHOOK_ALLOWED_HOSTS (comma-separated).
   */
  webhookAllowedHosts?: string[];
  /** How host names are resolved for that check (default: the system resolver). */
  webhookResolveAll?: ResolveAll;
  /** Start with the seeded divisions, providers and custom fields (default true). */
  seed?: boolean;
  /** Source of randomness for errorRate/timeoutRate (deterministic faults in tests). */
  random?: () => number;
  /** How long a request picked by timeoutRate is held before its socket is destroyed. */
  timeoutHoldMs?: number;
}

export const DEFAULT_ONCALL_SANDBOX_API_KEY: string = DEFAULT_API_KEY;

const JSON_PARSE_ERROR = 'ONCALL_SANDBOX_JSON_PARSE';

/** A parse error message that never quotes the body (it may hold patient data). */
function jsonParseError(raw: string, error: unknown): Error & { statusCode: number; code: string } {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : '');
  let where = '';
  if (position) {
    const offset = Number(position[1]);
    const before = raw.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    where = ` (line ${line} column ${column} (char ${offset}))`;
  }
  const err = new Error(`JSON parse error - Invalid JSON${where}`) as Error & { statusCode: number; code: string };
  err.statusCode = 400;
  err.code = JSON_PARSE_ERROR;
  return err;
}

function installParsingAndErrors(app: FastifyInstance, prefix: string): void {
  // Only JSON, as the real API documents; empty bodies read as `{}` (DRF's empty data).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const raw = body as string;
    if (raw.trim() === '') return done(null, {});
    try {
      done(null, JSON.parse(raw));
    } catch (error) {
      done(jsonParseError(raw, error), undefined);
    }
  });

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.code === JSON_PARSE_ERROR) return reply.code(400).send({ detail: error.message });
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.code(415).send({ detail: DETAIL.unsupportedMediaType });
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send({ detail: DETAIL.tooLarge });
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ detail: DETAIL.badRequest });
    // Code and name only: the message of an unexpected error could carry request data.
    request.log.error({ code: error.code, name: error.name }, 'oncall sandbox: unexpected error');
    return reply.code(500).send({ detail: DETAIL.serverError });
  });

  if (prefix !== '') {
    app.setNotFoundHandler((_request, reply) => reply.code(404).send({ detail: DETAIL.notFound }));
  }
}

/**
 * Runs before every API route: latency, then auth, throttling, injected 503s, and the timeout
 * decision (the handler still runs; its response is swallowed). DRF authenticates before it
 * throttles, so a bad key never consumes a token.
 */
function gateHook(ctx: SandboxContext) {
  const gate = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const auth = checkAuthorization(request.headers.authorization, ctx.apiKey);
    if (!auth.ok) {
      reply.code(401).header('www-authenticate', 'Token').send({ detail: auth.detail });
      return;
    }
    const wait = ctx.faults.throttle(auth.key, Date.now());
    if (wait > 0) {
      ctx.stats.throttled++;
      reply.code(429).header('retry-after', String(wait)).send({ detail: DETAIL.throttled(wait) });
      return;
    }
    if (ctx.faults.rollError()) {
      ctx.stats.injectedErrors++;
      reply.code(503).send({ detail: DETAIL.unavailable });
      return;
    }
    if (ctx.faults.rollTimeout()) {
      ctx.stats.injectedTimeouts++;
      ctx.toHold.add(request.raw);
    }
    done();
  };
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    ctx.stats.countRequest(request.method);
    const latency = ctx.faults.settings.latencyMs;
    if (latency > 0) setTimeout(gate, latency, request, reply, done).unref();
    else gate(request, reply, done);
  };
}

function ignoresTrailingSlash(app: FastifyInstance): boolean {
  const config = app.initialConfig as { ignoreTrailingSlash?: boolean; routerOptions?: { ignoreTrailingSlash?: boolean } };
  return Boolean(config.routerOptions?.ignoreTrailingSlash ?? config.ignoreTrailingSlash);
}

export const oncallSandbox: FastifyPluginAsync<OncallSandboxOptions> = async (app, options) => {
  const ctx = new SandboxContext({
    apiKey: options.apiKey ?? process.env.SANDBOX_ONCALL_API_KEY ?? DEFAULT_ONCALL_SANDBOX_API_KEY,
    seed: options.seed ?? true,
    timeoutHoldMs: options.timeoutHoldMs ?? DEFAULT_TIMEOUT_HOLD_MS,
    webhook: { url: options.webhookUrl ?? null, secret: options.webhookSecret ?? null },
    webhookTargets: new WebhookTargetPolicy(options.webhookAllowedHosts ?? parseAllowedHosts(process.env.SANDBOX_WEBHOOK_ALLOWED_HOSTS), options.webhookResolveAll),
    random: options.random ?? Math.random,
  });
  if (options.webhookControl) {
    options.webhookControl.set = (config) => {
      ctx.webhooks.config = { ...config };
    };
    options.webhookControl.get = () => ({ ...ctx.webhooks.config });
  }
  const prefix = app.prefix;
  const hostLogLevel = (options as { logLevel?: LogLevel }).logLevel;
  const kitOptions: RouteKitOptions = {
    prefix,
    logLevel: hostLogLevel ?? 'silent',
    ignoreTrailingSlash: ignoresTrailingSlash(app),
    faultable: false,
  };

  installParsingAndErrors(app, prefix);
  // preClose runs before the server stops accepting and waits for open sockets: held requests
  // must be gone by then or close() would wait out the hold.
  app.addHook('preClose', async () => ctx.close());

  await app.register(async (admin) => {
    registerAdminRoutes(new RouteKit(admin, ctx, kitOptions), ctx);
    // What this sandbox is, at its own address (no key needed: it holds no data).
    if (prefix !== '') registerOncallIndexRoute(admin, prefix, kitOptions.logLevel);
  });

  await app.register(async (api) => {
    api.addHook('onRequest', gateHook(ctx));
    const kit = new RouteKit(api, ctx, { ...kitOptions, faultable: true });
    registerDirectoryRoutes(kit, ctx);
    registerContactRoutes(kit, ctx);
    registerAppointmentRoutes(kit, ctx);
  });
};

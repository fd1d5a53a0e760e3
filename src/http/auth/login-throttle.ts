import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler, preHandlerAsyncHookHandler } from 'fastify';
import fastifyRateLimit from '@fastify/rate-limit';
import { HttpError } from '../errors.js';

/**
 * Request rate limits on `POST /api/auth/login` (issue 6, item 8), with @fastify/rate-limit:
 * per client address (before the body is read) and per account name (once it is). Each
 * attempt costs a scrypt hash, so these also bound the CPU an attacker can burn. Per process
 * and in memory; the lockout in the database (login-lockout.ts) is what holds across processes.
 */
export const LOGIN_LIMITS = {
  perAddress: { max: 20, windowMs: 60_000 },
  perAccount: { max: 10, windowMs: 60_000 },
} as const;

export interface LoginThrottle {
  perAddress: onRequestAsyncHookHandler;
  perAccount: preHandlerAsyncHookHandler;
}

/** Registers the plugin in `app` (encapsulated: nothing global) and returns the two route hooks. */
export async function loginThrottle(app: FastifyInstance): Promise<LoginThrottle> {
  await app.register(fastifyRateLimit, { global: false });
  const refuse = (_req: FastifyRequest, context: { ttl: number }) =>
    new HttpError(429, `too many sign-in attempts: try again in ${Math.max(1, Math.ceil(context.ttl / 1000))} seconds`);
  return {
    perAddress: app.rateLimit({
      max: LOGIN_LIMITS.perAddress.max,
      timeWindow: LOGIN_LIMITS.perAddress.windowMs,
      keyGenerator: (req) => `login-address:${req.ip}`,
      errorResponseBuilder: refuse,
    }) as onRequestAsyncHookHandler,
    perAccount: app.rateLimit({
      max: LOGIN_LIMITS.perAccount.max,
      timeWindow: LOGIN_LIMITS.perAccount.windowMs,
      keyGenerator: (req) => `login-account:${accountKey((req.body as { user?: unknown } | undefined)?.user)}`,
      errorResponseBuilder: refuse,
    }) as preHandlerAsyncHookHandler,
  };
}

/** Case and spacing variants of a name count as the same account. */
export function accountKey(user: unknown): string {
  return typeof user === 'string' ? user.trim().toLowerCase() : '';
}

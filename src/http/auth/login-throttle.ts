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

/**
 * Registers the plugin (encapsulated: nothing global) and returns the two route hooks. Each
 * limit gets its own registration: one registration's hooks run at most once per request
 * (a guard against double counting), so two hooks from one would skip the second limit.
 */
export async function loginThrottle(app: FastifyInstance): Promise<LoginThrottle> {
  const refuse = (_req: FastifyRequest, context: { ttl: number }) =>
    new HttpError(429, `too many sign-in attempts: try again in ${Math.max(1, Math.ceil(context.ttl / 1000))} seconds`);
  const limiter = async (limit: { max: number; windowMs: number }, key: (req: FastifyRequest) => string) => {
    let hook: ReturnType<FastifyInstance['rateLimit']> | undefined;
    await app.register(async (scope) => {
      await scope.register(fastifyRateLimit, { global: false });
      hook = scope.rateLimit({ max: limit.max, timeWindow: limit.windowMs, keyGenerator: key, errorResponseBuilder: refuse });
    });
    return hook!;
  };
  return {
    perAddress: (await limiter(LOGIN_LIMITS.perAddress, (req) => `login-address:${req.ip}`)) as onRequestAsyncHookHandler,
    perAccount: (await limiter(LOGIN_LIMITS.perAccount, (req) => `login-account:${accountKey((req.body as { user?: unknown } | undefined)?.user)}`)) as preHandlerAsyncHookHandler,
  };
}

/** Case and spacing variants of a name count as the same account. */
export function accountKey(user: unknown): string {
  return typeof user === 'string' ? user.trim().toLowerCase() : '';
}

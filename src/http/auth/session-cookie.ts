import type { FastifyRequest } from 'fastify';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { Config } from '../../config/config.js';
import { SESSION_TTL_MS } from './sessions.js';

/**
 * The session cookie's attributes. `Secure` follows `secureCookies`: forced on or off, or
 * `auto`: on when the request arrived over https as Fastify sees it (behind a TLS-terminating
 * proxy that needs `trustProxy`, so X-Forwarded-Proto counts) or when the public URL is https.
 */
export function sessionCookieOptions(req: FastifyRequest, config: Pick<Config, 'secureCookies' | 'publicUrl'>): CookieSerializeOptions {
  return {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    maxAge: SESSION_TTL_MS / 1000,
    secure: secureCookie(req, config),
  };
}

export function secureCookie(req: FastifyRequest, config: Pick<Config, 'secureCookies' | 'publicUrl'>): boolean {
  if (config.secureCookies !== 'auto') return config.secureCookies;
  return req.protocol === 'https' || /^https:/i.test(config.publicUrl ?? '');
}

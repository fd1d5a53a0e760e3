import { z } from 'zod';

/**
 * Settings for running behind a TLS-terminating reverse proxy (issue 6, item 11).
 *
 * `trustProxy` is handed to Fastify: false (default: X-Forwarded-* ignored), true (trust every
 * hop: only when nothing but the proxy can reach the engine), or the proxies' addresses/CIDRs
 * (`10.0.0.1,10.0.0.0/8`, or `loopback`). A bare hop count is refused: Fastify 5 no longer
 * honours one (it cannot tell the proxy from a client that sends the header itself).
 */
export const trustProxySchema = z
  .union([z.boolean(), z.array(z.string().min(1)), z.string()])
  .default(false)
  .transform((v): boolean | string[] => {
    if (typeof v !== 'string') return v;
    const s = v.trim().toLowerCase();
    if (['', '0', 'false', 'no', 'off'].includes(s)) return false;
    if (['true', 'yes', 'on'].includes(s)) return true;
    return v.split(/[\s,]+/).filter(Boolean);
  })
  .refine((v) => !Array.isArray(v) || v.every((a) => !/^\d+$/.test(a)), {
    message: 'give the proxies\' addresses (e.g. 10.0.0.1 or 10.0.0.0/8), or true; a hop count is not supported',
  });

/**
 * The session cookie's Secure flag: `auto` (default) sets it when the request came over https
 * (as Fastify sees it: directly, or via X-Forwarded-Proto from a trusted proxy) or when
 * `publicUrl` is https; `true`/`false` force it.
 */
export const secureCookiesSchema = z
  .union([z.boolean(), z.enum(['auto', 'true', 'false'])])
  .default('auto')
  .transform((v): boolean | 'auto' => (v === 'auto' ? 'auto' : v === true || v === 'true'));

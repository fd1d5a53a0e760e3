import { z } from 'zod';

/**
 * Settings for running behind a TLS-terminating reverse proxy (issue 6, item 11).
 *
 * `trustProxy` is handed to Fastify as is: false (default: X-Forwarded-* ignored), true (trust
 * every hop: only when nothing but the proxy can reach the engine), a hop count, or a list of
 * the proxies' addresses/CIDRs. From the environment: `true`, `false`, `2`, or
 * `10.0.0.1,10.0.0.0/8`.
 */
export const trustProxySchema = z
  .union([z.boolean(), z.number().int().nonnegative(), z.array(z.string().min(1)), z.string()])
  .default(false)
  .transform((v): boolean | number | string[] => {
    if (typeof v !== 'string') return v;
    const s = v.trim().toLowerCase();
    if (['', '0', 'false', 'no', 'off'].includes(s)) return false;
    if (['true', 'yes', 'on'].includes(s)) return true;
    if (/^\d+$/.test(s)) return Number(s);
    return v.split(/[\s,]+/).filter(Boolean);
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

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { isLoopbackHost } from '../http/access/loopback.js';
import { oncallSandboxApiKey } from './embedded.js';
import { mountSandboxes } from './mount.js';

/**
 * `ehr-bridge sandbox`: the emulators on their own server, without the engine's login. It binds
 * to loopback by default. Given a reachable `--host`, its 'sandbox-admin' routes (`/_admin/...`:
 * received messages, documents, faults, resets, webhook targets; the FHIR EMR's writes) need a
 * token, SANDBOX_ADMIN_TOKEN, generated for the run and printed when it is not set. Starting
 * with a token rather than refusing to start keeps `--host 0.0.0.0` a one-liner for a team
 * sharing a sandbox, while nothing it stores is readable without the printed token.
 */
export interface StandaloneSandboxes {
  app: FastifyInstance;
  /** The admin token in force; undefined on a loopback host (no token needed). */
  adminToken: string | undefined;
  /** The token was generated for this run (the banner prints it), not taken from SANDBOX_ADMIN_TOKEN. */
  adminTokenGenerated: boolean;
  oncallApiKey: string;
}

export const ADMIN_TOKEN_HEADER = 'x-sandbox-admin-token';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The token from `Authorization: Bearer <t>` or `X-Sandbox-Admin-Token: <t>`, compared in constant time. */
export function hasAdminToken(headers: Record<string, string | string[] | undefined>, token: string): boolean {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(String(headers.authorization ?? ''))?.[1];
  const given = bearer ?? (typeof headers[ADMIN_TOKEN_HEADER] === 'string' ? (headers[ADMIN_TOKEN_HEADER] as string) : undefined);
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

export async function buildStandaloneSandboxes(opts: { host: string; mllpPort: number; env?: NodeJS.ProcessEnv }): Promise<StandaloneSandboxes> {
  const env = opts.env ?? process.env;
  const app = Fastify({ logger: false });
  const exposed = !isLoopbackHost(opts.host);
  const adminToken = exposed ? env.SANDBOX_ADMIN_TOKEN || randomBytes(24).toString('base64url') : undefined;
  if (adminToken) {
    // Added before the sandboxes, so it runs for every one of their routes; decided on the
    // matched route's tag (mount.ts), so `/%5Fadmin/...` is the same route as `/_admin/...`.
    app.addHook('onRequest', async (req, reply) => {
      if (req.routeOptions.config?.access !== 'sandbox-admin') return;
      if (hasAdminToken(req.headers, adminToken)) return;
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="ehr-bridge sandbox admin"')
        .send({ error: 'sandbox admin token required: send Authorization: Bearer <SANDBOX_ADMIN_TOKEN>' });
    });
  }
  const oncallApiKey = oncallSandboxApiKey({ host: opts.host }, env);
  await mountSandboxes(app, '', { oncall: { apiKey: oncallApiKey }, ehr: { mllpPort: opts.mllpPort, mllpHost: opts.host } });
  return { app, adminToken, adminTokenGenerated: Boolean(adminToken) && !env.SANDBOX_ADMIN_TOKEN, oncallApiKey };
}

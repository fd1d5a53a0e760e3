import type { FastifyInstance, RouteOptions } from 'fastify';
import type { RouteAccess } from '../http/access/route-access.js';
import { ehrSandbox, type EhrSandboxOptions } from './ehr/plugin.js';
import { fhirEmrSandbox, type FhirEmrSandboxOptions } from './fhir-emr/plugin.js';
import { oncallSandbox, type OncallSandboxOptions } from './oncall/plugin.js';

/**
 * The partner sandboxes side by side, each under its own prefix: `<base>/oncall`,
 * `<base>/fhir-emr`, `<base>/ehr` (EHR receiver; its MLLP listener on its own port). `ehr-bridge sandbox` mounts them at
 * the root of their own server; `npm start` mounts them under `/sandbox` on the engine's port.
 *
 * Every sandbox route is tagged with the engine's route access (src/http/access/route-access.ts)
 * here, so the emulators themselves stay engine-agnostic: see `sandboxRouteAccess`.
 */
export interface SandboxesOptions {
  oncall?: OncallSandboxOptions;
  fhirEmr?: FhirEmrSandboxOptions;
  ehr?: EhrSandboxOptions;
}

/**
 * - `/_admin/...` routes (faults, reset, webhook targets, the EHR receiver's received messages
 *   and documents) and the FHIR EMR's writes (`POST /Patient`, `PUT /Patient/:id`: whatever is
 *   written there, the engine's FHIR API serves) are 'sandbox-admin': open while the engine
 *   listens on loopback only, behind the engine's login otherwise.
 * - Everything else is the emulated partner's own API ('partner-sandbox'): the engine reaches
 *   it over HTTP without engine credentials, and OnCall's checks its own `Token`.
 */
export function sandboxRouteAccess(base: string, method: string, url: string): RouteAccess {
  if (/\/_admin(\/|$)/.test(url)) return 'sandbox-admin';
  const fhirEmr = `${base}/fhir-emr`;
  if (method === 'POST' && url === `${fhirEmr}/:type`) return 'sandbox-admin';
  if (method === 'PUT' && url === `${fhirEmr}/:type/:id`) return 'sandbox-admin';
  // Deletes, and Subscriptions (their endpoints carry the receiver's secret; they make this process POST).
  if ((method === 'DELETE' && url === `${fhirEmr}/:type/:id`) || url.startsWith(`${fhirEmr}/Subscription`)) return 'sandbox-admin';
  return 'partner-sandbox';
}

export async function mountSandboxes(app: FastifyInstance, base: string, opts: SandboxesOptions = {}): Promise<void> {
  const prefix = base.replace(/\/+$/, '');
  // An encapsulated scope: its onRoute hook sees the sandboxes' routes only.
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route: RouteOptions) => {
      // One route object may carry several methods: the strictest wins.
      const methods = [route.method].flat();
      const admin = methods.some((m) => sandboxRouteAccess(prefix, m, route.url) === 'sandbox-admin');
      const access: RouteAccess = admin ? 'sandbox-admin' : 'partner-sandbox';
      route.config = { ...(route.config ?? {}), access };
    });
    await scope.register(oncallSandbox, { ...opts.oncall, prefix: `${prefix}/oncall` });
    await scope.register(fhirEmrSandbox, { ...opts.fhirEmr, prefix: `${prefix}/fhir-emr` });
    await scope.register(ehrSandbox, { ...opts.ehr, prefix: `${prefix}/ehr` });
  });
}

export const SANDBOX_PATHS = { oncall: '/oncall', fhirEmr: '/fhir-emr', ehr: '/ehr' } as const;

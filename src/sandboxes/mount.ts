import type { FastifyInstance } from 'fastify';
import { fhirEmrSandbox, type FhirEmrSandboxOptions } from './fhir-emr/plugin.js';
import { oncallSandbox, type OncallSandboxOptions } from './oncall/plugin.js';

/**
 * The partner sandboxes side by side, each under its own prefix: `<base>/oncall`,
 * `<base>/fhir-emr` (and later `<base>/ehr`, `<base>/solo`). `ehr-bridge sandbox` mounts them at
 * the root of their own server; `npm start` mounts them under `/sandbox` on the engine's port.
 */
export interface SandboxesOptions {
  oncall?: OncallSandboxOptions;
  fhirEmr?: FhirEmrSandboxOptions;
}

export async function mountSandboxes(app: FastifyInstance, base: string, opts: SandboxesOptions = {}): Promise<void> {
  const prefix = base.replace(/\/+$/, '');
  await app.register(oncallSandbox, { ...opts.oncall, prefix: `${prefix}/oncall` });
  await app.register(fhirEmrSandbox, { ...opts.fhirEmr, prefix: `${prefix}/fhir-emr` });
}

export const SANDBOX_PATHS = { oncall: '/oncall', fhirEmr: '/fhir-emr' } as const;

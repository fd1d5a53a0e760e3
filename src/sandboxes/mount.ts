import type { FastifyInstance } from 'fastify';
import { ehrSandbox, type EhrSandboxOptions } from './ehr/plugin.js';
import { fhirEmrSandbox, type FhirEmrSandboxOptions } from './fhir-emr/plugin.js';
import { oncallSandbox, type OncallSandboxOptions } from './oncall/plugin.js';

/**
 * The partner sandboxes side by side, each under its own prefix: `<base>/oncall`,
 * `<base>/fhir-emr`, `<base>/ehr` (EHR receiver; its MLLP listener on its own port). `ehr-bridge sandbox` mounts them at
 * the root of their own server; `npm start` mounts them under `/sandbox` on the engine's port.
 */
export interface SandboxesOptions {
  oncall?: OncallSandboxOptions;
  fhirEmr?: FhirEmrSandboxOptions;
  ehr?: EhrSandboxOptions;
}

export async function mountSandboxes(app: FastifyInstance, base: string, opts: SandboxesOptions = {}): Promise<void> {
  const prefix = base.replace(/\/+$/, '');
  await app.register(oncallSandbox, { ...opts.oncall, prefix: `${prefix}/oncall` });
  await app.register(fhirEmrSandbox, { ...opts.fhirEmr, prefix: `${prefix}/fhir-emr` });
  await app.register(ehrSandbox, { ...opts.ehr, prefix: `${prefix}/ehr` });
}

export const SANDBOX_PATHS = { oncall: '/oncall', fhirEmr: '/fhir-emr', ehr: '/ehr' } as const;

import type { Config } from '../../config/config.js';
import { isLoopbackHost } from '../../http/access/loopback.js';
import { oncallBaseUrl } from '../../partners/oncall/config.js';
import { oncallSandboxApiKey } from '../../sandboxes/embedded.js';
import { sandboxesEnabled } from '../../sandboxes/enabled.js';

/**
 * Where a reconciliation run from the command line reads the two systems: the configured
 * partners, else the sandboxes of the engine running on this machine (`npm start` serves them
 * on PORT), the same defaults the engine itself uses. Errors are sentences for the person.
 */
export class ReconcileSetupError extends Error {
  override name = 'ReconcileSetupError';
}

export interface ReconcileEndpoints {
  oncall: { baseUrl: string; apiKey: string; usesSandbox: boolean };
  emr: { baseUrl: string; bearerToken?: string; usesSandbox: boolean };
}

export function localEngineUrl(config: Pick<Config, 'port' | 'host'>): string {
  const host = isLoopbackHost(config.host) && config.host !== '0.0.0.0' && config.host !== '::' ? config.host : '127.0.0.1';
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

export function reconcileEndpoints(config: Config): ReconcileEndpoints {
  const sandboxes = sandboxesEnabled(config);
  const engine = localEngineUrl(config);
  let oncall: ReconcileEndpoints['oncall'];
  if (config.oncall.baseUrl || config.oncall.region) {
    if (!config.oncall.apiKey) throw new ReconcileSetupError('OnCall Health is configured without a key: set ONCALL_API_KEY');
    oncall = { baseUrl: oncallBaseUrl({ baseUrl: config.oncall.baseUrl, region: config.oncall.region }), apiKey: config.oncall.apiKey, usesSandbox: false };
  } else if (sandboxes) {
    oncall = { baseUrl: `${engine}/sandbox/oncall`, apiKey: config.oncall.apiKey ?? oncallSandboxApiKey(config), usesSandbox: true };
  } else {
    throw new ReconcileSetupError('OnCall Health is not configured: set ONCALL_BASE_URL (or ONCALL_REGION) and ONCALL_API_KEY');
  }
  let emr: ReconcileEndpoints['emr'];
  if (config.emr.fhirUrl) emr = { baseUrl: config.emr.fhirUrl, ...(config.emr.bearerToken ? { bearerToken: config.emr.bearerToken } : {}), usesSandbox: false };
  else if (sandboxes) emr = { baseUrl: `${engine}/sandbox/fhir-emr`, usesSandbox: true };
  else throw new ReconcileSetupError('The EMR is not configured: set EHR_BRIDGE_EMR_FHIR_URL (a FHIR R4 server)');
  return { oncall, emr };
}

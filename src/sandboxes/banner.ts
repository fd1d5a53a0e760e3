import type { RunningServer } from '../server/start.js';
import { getEhrSandboxInfo } from './ehr/plugin.js';
import { oncallSandboxApiKey } from './embedded.js';
import { resolveSandboxes } from './enabled.js';

/**
 * The start-up banner's sandbox and partner lines (`ehr-bridge serve`), from the same decision
 * that mounted the sandboxes: when they are off, the banner says why and lists no sandbox URL.
 */
export function sandboxBannerLines(server: Pick<RunningServer, 'url' | 'ctx' | 'app'>): string[] {
  const { url, ctx } = server;
  const decision = resolveSandboxes(ctx.config);
  const lines: string[] = [];
  if (decision.enabled) {
    lines.push(
      `  sandboxes     ${url}/sandbox/oncall/  (OnCall Health, API key: ${oncallSandboxApiKey(ctx.config)})`,
      `                ${url}/sandbox/fhir-emr/  (FHIR R4 EMR)`,
      `                ${url}/sandbox/ehr/_admin/received  (EHR receiver; MLLP port ${getEhrSandboxInfo(server.app).mllpPort})`,
    );
    if (decision.explicit) lines.push(`                ${decision.reason}`);
  } else {
    lines.push(`  sandboxes     ${decision.reason}`);
  }
  return lines;
}

/**
 * The FHIR API line: the CapabilityStatement's address, not the bare `/fhir` base (which names no
 * endpoint and answers 404), so the printed link opens something.
 */
export function fhirApiLine(server: Pick<RunningServer, 'url'>): string {
  return `  FHIR API      ${server.url}/fhir/metadata   (token: POST ${server.url}/oauth/token)`;
}

export function oncallTargetLine(server: Pick<RunningServer, 'ctx'>): string {
  try {
    const target = server.ctx.oncallTarget();
    // The sandbox's index page answers only with the trailing slash (like the sandboxes line).
    if (target.usesSandbox) return `  OnCall target ${target.baseUrl.replace(/\/?$/, '/')} (sandbox)`;
    return `  OnCall target ${target.baseUrl}`;
  } catch {
    return '  OnCall target not configured (set ONCALL_BASE_URL or ONCALL_REGION, and ONCALL_API_KEY)';
  }
}

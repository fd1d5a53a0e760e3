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

export function oncallTargetLine(server: Pick<RunningServer, 'ctx'>): string {
  try {
    const target = server.ctx.oncallTarget();
    return `  OnCall target ${target.baseUrl}${target.usesSandbox ? ' (sandbox)' : ''}`;
  } catch {
    return '  OnCall target not configured (set ONCALL_BASE_URL or ONCALL_REGION, and ONCALL_API_KEY)';
  }
}

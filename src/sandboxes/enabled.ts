import type { Config } from '../config/config.js';
import { isLoopbackHost } from '../http/access/loopback.js';

/**
 * Whether the engine serves the partner sandboxes under /sandbox: the one decision that the
 * HTTP app, the start-up banner and the partner clients all read (issue 6, item 2).
 *
 * The sandboxes are a demo: they need no credentials and, once a real flow runs through them,
 * they hold real patient data (delivered HL7 messages, imported contacts). So, unless
 * `EHR_BRIDGE_SANDBOXES` says otherwise, they are on only in the embedded demo: no real partner
 * configured AND the engine listening on loopback only. Configuring a partner or a reachable
 * `HOST` turns them off; an explicit `true` turns them back on (their `/_admin` routes then
 * need the engine's login when the host is not loopback); an explicit `false` always wins.
 */
export interface SandboxesDecision {
  enabled: boolean;
  /** Set by EHR_BRIDGE_SANDBOXES (or the config file), rather than decided automatically. */
  explicit: boolean;
  /** One line for the banner and logs: why they are on or off. */
  reason: string;
}

type SandboxConfig = Pick<Config, 'sandboxes' | 'host' | 'oncall' | 'emr' | 'ehr'>;

/** The real partners configured, named by the setting that configures them (never its value). */
export function configuredPartners(config: SandboxConfig): string[] {
  const partners: string[] = [];
  if (config.oncall.baseUrl) partners.push('ONCALL_BASE_URL');
  else if (config.oncall.region) partners.push('ONCALL_REGION');
  if (config.emr.fhirUrl) partners.push('EHR_BRIDGE_EMR_FHIR_URL');
  for (const [name, route] of Object.entries(config.ehr.routes)) {
    const t = route.transport;
    const addressed = t.kind === 'mllp' ? Boolean(t.host ?? t.port) : t.kind === 'file' ? Boolean(t.dir) : Boolean(t.url);
    if (addressed) partners.push(`EHR route "${name}"`);
  }
  return partners;
}

export function resolveSandboxes(config: SandboxConfig): SandboxesDecision {
  if (config.sandboxes === false) return { enabled: false, explicit: true, reason: 'off (EHR_BRIDGE_SANDBOXES=false)' };
  if (config.sandboxes === true) {
    const exposed = isLoopbackHost(config.host) ? '' : `; their /_admin routes need the admin login because HOST=${config.host} is reachable from the network`;
    return { enabled: true, explicit: true, reason: `on (EHR_BRIDGE_SANDBOXES=true${exposed})` };
  }
  const partners = configuredPartners(config);
  if (partners.length > 0) return { enabled: false, explicit: false, reason: `off: a real partner is configured (${partners.join(', ')}); EHR_BRIDGE_SANDBOXES=true serves them anyway` };
  if (!isLoopbackHost(config.host)) {
    return { enabled: false, explicit: false, reason: `off: HOST=${config.host} is reachable from the network; EHR_BRIDGE_SANDBOXES=true serves them anyway` };
  }
  return { enabled: true, explicit: false, reason: 'on: the embedded demo (no partner configured, loopback host)' };
}

export function sandboxesEnabled(config: SandboxConfig): boolean {
  return resolveSandboxes(config).enabled;
}

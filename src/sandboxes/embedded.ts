import { randomBytes } from 'node:crypto';
import type { Config } from '../config/config.js';
import { isLoopbackHost } from '../http/access/loopback.js';
import { DEFAULT_SANDBOX_MAX_FRAME_BYTES, positiveFromEnv } from './ehr/plugin.js';
import type { SandboxesOptions } from './mount.js';
import { DEFAULT_ONCALL_SANDBOX_API_KEY, type SandboxWebhookControl } from './oncall/plugin.js';

/**
 * The sandboxes as the engine mounts them under /sandbox (`npm start`), and the OnCall key the
 * engine's own client then uses.
 */
let generatedOncallKey: string | undefined;

/**
 * The OnCall sandbox's API key: SANDBOX_ONCALL_API_KEY, else the well-known demo key while the
 * engine listens on loopback only. On a reachable engine (sandboxes explicitly on) the demo key
 * would open the contacts imported into the sandbox to anyone who read the README, so a random
 * key is made for this process instead (the banner prints it).
 */
export function oncallSandboxApiKey(config: Pick<Config, 'host'>, env: NodeJS.ProcessEnv = process.env): string {
  if (env.SANDBOX_ONCALL_API_KEY) return env.SANDBOX_ONCALL_API_KEY;
  if (isLoopbackHost(config.host)) return DEFAULT_ONCALL_SANDBOX_API_KEY;
  generatedOncallKey ??= `oncall-sandbox-${randomBytes(18).toString('base64url')}`;
  return generatedOncallKey;
}

/** `webhooks`: filled with a setter of the OnCall sandbox's webhook target (the engine points it at its own receiver once it listens). */
export function embeddedSandboxOptions(config: Config, webhooks?: SandboxWebhookControl): SandboxesOptions {
  // The receiver must take the largest document the engine accepts, in base64, plus the message
  // around it, unless SANDBOX_EHR_MAX_FRAME_BYTES says otherwise (read as the plugin reads it:
  // a value the plugin would ignore must not drop this floor either).
  const largestMessage = Math.ceil(config.ehr.maxPayloadBytes / 3) * 4 + 1024 * 1024;
  const maxFrameBytes = positiveFromEnv('SANDBOX_EHR_MAX_FRAME_BYTES') ?? Math.max(DEFAULT_SANDBOX_MAX_FRAME_BYTES, largestMessage);
  return {
    oncall: { apiKey: oncallSandboxApiKey(config), ...(webhooks ? { webhookControl: webhooks } : {}) },
    ehr: { mllpPort: config.ehr.sandboxMllpPort, maxFrameBytes },
  };
}

import { randomBytes } from 'node:crypto';

/** The channel's name: the `channel` column of the messages it stores, and its decoder's key. */
export const ONCALL_HOOK_CHANNEL = 'oncall-hook';
export const DEFAULT_ONCALL_WEBHOOK_PATH = '/hooks/oncall';
/** A webhook body is `{"event", "url"}`: 64 KiB is far above any real one. */
export const ONCALL_HOOK_MAX_BYTES = 64 * 1024;

export class OncallHookSettingsError extends Error {
  override name = 'OncallHookSettingsError';
}

/** `EHR_BRIDGE_ONCALL_WEBHOOK_PATH`: an absolute path of plain segments (no query, no parameters). */
export function oncallWebhookPath(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.EHR_BRIDGE_ONCALL_WEBHOOK_PATH?.trim();
  if (!raw) return DEFAULT_ONCALL_WEBHOOK_PATH;
  const path = raw.replace(/\/+$/, '');
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(path) || path.split('/').some((s) => s === '.' || s === '..')) {
    throw new OncallHookSettingsError('EHR_BRIDGE_ONCALL_WEBHOOK_PATH must be a path like /hooks/oncall (letters, digits, . _ ~ - between slashes)');
  }
  return path;
}

let processSecret: string | undefined;

/**
 * The secret the receiver verifies with: ONCALL_WEBHOOK_SECRET when set; else, only when the
 * OnCall account is the embedded sandbox, one random secret per process, which the sandbox signs
 * with too (embeddedWebhookTarget). A real account without a configured secret: no verification.
 */
export function oncallWebhookSecret(env: NodeJS.ProcessEnv, usesSandbox: boolean): string | undefined {
  const configured = env.ONCALL_WEBHOOK_SECRET;
  if (configured) return configured;
  if (!usesSandbox) return undefined;
  processSecret ??= randomBytes(24).toString('base64url');
  return processSecret;
}

/**
 * Where the embedded OnCall sandbox sends its webhooks in `npm start` (issue 9, "the OnCall
 * sandbox's webhooks point at the engine's receiver by itself"): this engine's own receiver,
 * signed with the secret the receiver expects (a random one per process unless
 * ONCALL_WEBHOOK_SECRET is set). Pass it to the sandbox's webhook target once the engine listens.
 */
export function embeddedWebhookTarget(engineUrl: string, env: NodeJS.ProcessEnv = process.env): { url: string; secret: string } {
  const secret = oncallWebhookSecret(env, true) as string;
  return { url: `${engineUrl.replace(/\/+$/, '')}${oncallWebhookPath(env)}`, secret };
}

import { MessageStore } from '../../messages/message-store.js';
import type { AppContext } from '../../server/context.js';
import { OncallHookChannel } from './channel.js';
import { oncallWebhookPath, oncallWebhookSecret } from './settings.js';

export { OncallHookChannel, URL_REFUSED, type HookAnswer, type OncallHookDeps } from './channel.js';
export { appointmentUrlUnder } from './appointment-url.js';
export {
  DEFAULT_ONCALL_WEBHOOK_PATH,
  embeddedWebhookTarget,
  ONCALL_HOOK_CHANNEL,
  ONCALL_HOOK_MAX_BYTES,
  OncallHookSettingsError,
  oncallWebhookPath,
  oncallWebhookSecret,
} from './settings.js';
export { ONCALL_SIGNATURE_HEADER, oncallSignatureValid, signOncallBody } from './signature.js';
export { hookMessage, ONCALL_HOOK_EVENTS, oncallRecordKey, type OncallHookEvent } from './to-message.js';

export interface OncallHookOptions {
  env?: NodeJS.ProcessEnv;
  /** Overrides ONCALL_WEBHOOK_SECRET (null: never verify, for a test). */
  secret?: string | null;
  messages?: MessageStore;
}

/**
 * The OnCall webhook channel of this engine. The secret is read when a delivery arrives: the
 * OnCall target (configured account or embedded sandbox) is known only once the engine listens.
 */
export function createOncallHookChannel(ctx: AppContext, opts: OncallHookOptions = {}): OncallHookChannel {
  const env = opts.env ?? process.env;
  const usesSandbox = (): boolean => {
    try {
      return ctx.oncallTarget().usesSandbox;
    } catch {
      return false;
    }
  };
  return new OncallHookChannel({
    messages: opts.messages ?? new MessageStore(ctx.store.db, ctx.store.dialect),
    baseUrl: () => ctx.oncallTarget().baseUrl,
    secret: () => (opts.secret !== undefined ? (opts.secret ?? undefined) : oncallWebhookSecret(env, usesSandbox())),
    path: oncallWebhookPath(env),
    wake: () => ctx.sync().wake(),
    logger: ctx.logger,
  });
}

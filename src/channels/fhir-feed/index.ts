import type { SyncChannel } from '../../flows/sync/channel.js';
import { MessageStore } from '../../messages/message-store.js';
import { sandboxesEnabled } from '../../sandboxes/enabled.js';
import type { AppContext } from '../../server/context.js';
import { FhirFeedChannel } from './channel.js';
import { FeedState } from './feed-state.js';
import { FeedFhirClient } from './fhir-client.js';
import { fhirFeedSettings, type FhirFeedSettings } from './settings.js';

export { FhirFeedChannel, FHIR_HOOK_PATH, type NotificationOutcome } from './channel.js';
export { fhirMessageToEvents } from './to-events.js';
export { fhirFeedSettings, FhirFeedSettingsError, type FhirFeedSettings } from './settings.js';
export { FEED_CHANNEL } from './to-message.js';

/** Where the embedded sandbox FHIR EMR is served on the engine's port (src/sandboxes/mount.ts). */
const SANDBOX_FHIR_EMR_PATH = '/sandbox/fhir-emr';

/**
 * The FHIR change feed of this engine, or null when it is off (EHR_BRIDGE_FHIR_FEED=off) or
 * there is no server to read: the configured EMR (config.emr.fhirUrl and its bearer token),
 * else the sandbox FHIR EMR on the engine's own port while the sandboxes are served.
 * Subscriptions need an address the server can call: the engine's public URL, or its own
 * address when the server is its own sandbox.
 */
export function createFhirFeedChannel(ctx: AppContext, overrides: Partial<FhirFeedSettings> = {}): SyncChannel | null {
  const settings = fhirFeedSettings(process.env, overrides);
  if (!settings.enabled) return null;
  const { emr } = ctx.config;
  const usesSandbox = !emr.fhirUrl;
  if (usesSandbox && !sandboxesEnabled(ctx.config)) return null;
  const client = new FeedFhirClient({
    baseUrl: emr.fhirUrl ?? (() => (ctx.engineUrl ? `${ctx.engineUrl}${SANDBOX_FHIR_EMR_PATH}` : undefined)),
    bearerToken: emr.bearerToken,
    timeoutMs: emr.timeoutMs,
  });
  return new FhirFeedChannel({
    messages: new MessageStore(ctx.store.db, ctx.store.dialect),
    state: new FeedState(ctx.store.db),
    client,
    settings,
    wake: () => ctx.sync().wake(),
    logger: ctx.logger,
    publicUrl: () => ctx.config.publicUrl ?? (usesSandbox ? ctx.engineUrl : undefined),
  });
}

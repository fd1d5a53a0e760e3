import { mllpListenerSettings, type MllpListenerSettings } from '../../messages/settings.js';
import type { AppContext } from '../../server/context.js';
import { EffectStore } from '../../effects/effect-store.js';
import { LinkStore } from '../../links/link-store.js';
import { Leases } from '../../store/repos/leases.js';
import type { Db } from '../../store/db.js';
import { MllpChannel } from './mllp-channel.js';
import { SyncProcessor } from './processor.js';
import { syncSettings } from './settings.js';
import { OncallPlacements } from './targets/oncall/defaults.js';
import { OncallSyncTarget } from './targets/oncall/oncall-sync-target.js';
import { hl7Decoder, type ChannelDecoder } from './to-events.js';
import type { SyncChannel } from './channel.js';
import { createFhirFeedChannel, FEED_CHANNEL, fhirFeedSettings, fhirMessageToEvents } from '../../channels/fhir-feed/index.js';
import { FhirFeedMessageError } from '../../channels/fhir-feed/to-events.js';
import { createOncallHookChannel, embeddedWebhookTarget, ONCALL_HOOK_CHANNEL, type OncallHookChannel } from '../../channels/oncall-hook/index.js';
import { createOncallScanChannel, SCAN_CHANNEL, type OncallScanChannel } from '../../channels/oncall-scan/index.js';
import { FhirEmrWriter } from '../../partners/fhir-emr/fhir-emr-writer.js';
import { Hl7EmrWriter, hl7EmrSettings } from '../../partners/hl7-emr/index.js';
import { sandboxesEnabled } from '../../sandboxes/enabled.js';
import { backSettings } from './back-settings.js';
import { oncallHookDecoder, oncallScanDecoder, OncallPlatformSource } from './sources/oncall/index.js';
import { EmrTarget } from './targets/emr/emr-target.js';
import type { EmrWriter } from './targets/emr/emr-writer.js';
import { emrTargetSettings } from './targets/emr/settings.js';

export interface SyncSetupOptions {
  /** Open the inbound MLLP listener (the `serve` command does; tests ask for it). */
  mllp?: Partial<MllpListenerSettings>;
  /** Run the FHIR change feed (the `serve` command does, unless EHR_BRIDGE_FHIR_FEED=off). */
  fhirFeed?: boolean;
  /**
   * Sync back from OnCall to the EMR (issue 9): the webhook receiver, the scans and the EMR
   * target (the `serve` command turns it on; EHR_BRIDGE_EMR_WRITE=off stores without writing).
   */
  back?: boolean;
  /** Where the HL7 EMR listens when EHR_BRIDGE_EMR_HL7_TO is unset (the embedded EHR receiver sandbox). */
  hl7EmrDefault?: () => { host: string; port: number } | undefined;
  env?: NodeJS.ProcessEnv;
}

export interface SyncSetup {
  mllp: MllpChannel | undefined;
  processor: SyncProcessor | undefined;
  fhir: SyncChannel | undefined;
  /** The OnCall webhook receiver's channel and the OnCall scans (issue 9), when the sync back runs. */
  hook: OncallHookChannel | undefined;
  scan: OncallScanChannel | undefined;
  /** Where platform changes are written (null: EHR_BRIDGE_EMR_WRITE=off or no EMR to write to). */
  emrWriter: EmrWriter | undefined;
}

/** Where the embedded sandbox FHIR EMR is served on the engine's port (src/sandboxes/mount.ts). */
const SANDBOX_FHIR_EMR_PATH = '/sandbox/fhir-emr';

/**
 * The EMR the platforms' changes go to (issue 9, "Writing to the EMR, per configuration"), or
 * undefined when writing is off or there is nothing to write to.
 */
function createEmrWriter(ctx: AppContext, env: NodeJS.ProcessEnv, hl7Default: SyncSetupOptions['hl7EmrDefault']): EmrWriter | undefined {
  const { write } = backSettings(env);
  if (write === 'off') return undefined;
  if (write === 'hl7') return new Hl7EmrWriter(hl7EmrSettings(env, hl7Default?.()));
  const { emr } = ctx.config;
  if (!emr.fhirUrl && !sandboxesEnabled(ctx.config)) return undefined;
  return new FhirEmrWriter({
    baseUrl: emr.fhirUrl ?? (() => (ctx.engineUrl ? `${ctx.engineUrl}${SANDBOX_FHIR_EMR_PATH}` : undefined)),
    ...(emr.bearerToken ? { bearerToken: emr.bearerToken } : {}),
    timeoutMs: emr.timeoutMs,
    logger: ctx.logger,
  });
}

/**
 * A FHIR feed message whose resource already had a newer version applied: control ids are
 * `Type/id/_history/vid` and the sandbox and most servers number versions 1, 2, 3...; a server
 * with opaque version ids is compared by what it stored last (then nothing is skipped).
 */
async function newerFhirVersionApplied(db: Db, m: { id: number; controlId: string }): Promise<string | null> {
  const match = /^(\w+\/[^/]+)\/_history\/(\d+)$/.exec(m.controlId);
  if (!match) return null;
  const [, resource, vid] = match;
  const rows = await db
    .selectFrom('messages')
    .select('control_id')
    .where('channel', '=', FEED_CHANNEL)
    .where('control_id', 'like', `${resource}/_history/%`)
    .where('status', '=', 'processed')
    .where('id', '!=', m.id)
    .execute();
  const newest = Math.max(0, ...rows.map((r) => Number(/\/_history\/(\d+)$/.exec(r.control_id)?.[1] ?? 0)));
  return newest > Number(vid) ? `version ${vid} is older than version ${newest}, already applied` : null;
}

/** FHIR feed messages: one resource version (an Appointment with its Patients) each. */
const fhirDecoder: ChannelDecoder = (m) => {
  try {
    const events = fhirMessageToEvents(m.raw, m.event);
    return events.length ? { kind: 'events', events, warnings: [] } : { kind: 'nothing', reason: 'a deleted Patient needs nothing in OnCall' };
  } catch (e) {
    if (e instanceof FhirFeedMessageError) return { kind: 'refused', reason: e.message };
    throw e;
  }
};

/**
 * Builds the sync spine of a server process: the processor applying stored messages to OnCall
 * (unless EHR_BRIDGE_SYNC=off) and the channels asked for. Channels start after the processor.
 */
export async function setupSync(ctx: AppContext, opts: SyncSetupOptions = {}): Promise<SyncSetup> {
  const env = opts.env ?? process.env;
  const settings = syncSettings(env);
  const sync = ctx.sync();
  const listenerSettings = mllpListenerSettings(env, opts.mllp ?? {});
  const decoders = new Map<string, ChannelDecoder>([
    ['mllp', hl7Decoder({ charset: listenerSettings.charset, emrIdType: listenerSettings.emrIdType, timeZone: settings.timeZone })],
    [FEED_CHANNEL, fhirDecoder],
    [ONCALL_HOOK_CHANNEL, oncallHookDecoder(() => ctx.oncallTarget().baseUrl)],
    [SCAN_CHANNEL, oncallScanDecoder],
  ]);
  const emrWriter = opts.back && settings.enabled ? createEmrWriter(ctx, env, opts.hl7EmrDefault) : undefined;
  sync.setEmrWriter(emrWriter);
  let processor: SyncProcessor | undefined;
  if (settings.enabled) {
    const target = new OncallSyncTarget({
      client: () => ctx.oncall(),
      links: new LinkStore(ctx.store.db),
      effects: new EffectStore(ctx.store.db),
      placements: new OncallPlacements(() => ctx.oncall(), () => ctx.oncallTarget().baseUrl, settings),
      settings,
      emrIdField: ctx.config.oncall.emrIdField,
      emrIdMetadataKey: ctx.config.oncall.emrIdMetadataKey,
    });
    const emr = emrWriter
      ? new EmrTarget({
          source: new OncallPlatformSource({ client: () => ctx.oncall(), emrIdField: ctx.config.oncall.emrIdField, emrIdMetadataKey: ctx.config.oncall.emrIdMetadataKey }),
          writer: emrWriter,
          links: new LinkStore(ctx.store.db),
          effects: new EffectStore(ctx.store.db),
          db: ctx.store.db,
          settings: emrTargetSettings(env),
        })
      : undefined;
    const emrTarget = emr && emrWriter ? { label: emr.label, record: emr.record.bind(emr), close: () => emrWriter.close() } : undefined;
    processor = new SyncProcessor({
      db: ctx.store.db,
      target,
      ...(emrTarget ? { emrTarget } : {}),
      decoders,
      logger: ctx.logger,
      concurrency: settings.concurrency,
      maxAttempts: settings.maxAttempts,
      ...(ctx.store.dialect === 'postgres' ? { leases: new Leases(ctx.store.db, 60_000) } : {}),
      superseded: (m) => (m.channel === FEED_CHANNEL ? newerFhirVersionApplied(ctx.store.db, m) : Promise.resolve(null)),
    });
    sync.setProcessor(processor);
  }
  let mllp: MllpChannel | undefined;
  if (opts.mllp) {
    mllp = new MllpChannel(listenerSettings, ctx.store, () => sync.wake(), ctx.logger);
    sync.addChannel(mllp);
  }
  const fhir = opts.fhirFeed ? createFhirFeedChannel(ctx, fhirFeedSettings(env)) : null;
  if (fhir) sync.addChannel(fhir);
  let hook: OncallHookChannel | undefined;
  let scan: OncallScanChannel | undefined;
  // Without an EMR to write to (none configured, sandboxes off) the sync back has nowhere to go:
  // no receiver, no scans. EHR_BRIDGE_EMR_WRITE=off or EHR_BRIDGE_SYNC=off ask to store and show.
  const backRuns = opts.back && (emrWriter !== undefined || backSettings(env).write === 'off' || !settings.enabled);
  if (backRuns) {
    hook = createOncallHookChannel(ctx, { env });
    sync.addChannel(hook);
    scan = createOncallScanChannel(ctx, {}, env);
    sync.addChannel(scan);
    pointSandboxWebhooksHere(ctx, env);
  }
  await sync.start();
  return { mllp, processor, fhir: fhir ?? undefined, hook, scan, emrWriter };
}

/**
 * In the embedded run the OnCall sandbox's webhooks go to this engine's own receiver (issue 9:
 * "an appointment created in the sandbox reaches the sandbox FHIR EMR with no configuration"),
 * unless someone already pointed them elsewhere.
 */
function pointSandboxWebhooksHere(ctx: AppContext, env: NodeJS.ProcessEnv): void {
  const control = ctx.sandboxWebhooks;
  if (!control.set || !ctx.engineUrl) return;
  let usesSandbox = false;
  try {
    usesSandbox = ctx.oncallTarget().usesSandbox;
  } catch {
    return;
  }
  if (!usesSandbox || control.get?.().url) return;
  control.set(embeddedWebhookTarget(ctx.engineUrl, env));
}

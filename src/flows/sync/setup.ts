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

export interface SyncSetupOptions {
  /** Open the inbound MLLP listener (the `serve` command does; tests ask for it). */
  mllp?: Partial<MllpListenerSettings>;
  /** Run the FHIR change feed (the `serve` command does, unless EHR_BRIDGE_FHIR_FEED=off). */
  fhirFeed?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface SyncSetup {
  mllp: MllpChannel | undefined;
  processor: SyncProcessor | undefined;
  fhir: SyncChannel | undefined;
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
  ]);
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
    processor = new SyncProcessor({
      db: ctx.store.db,
      target,
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
  await sync.start();
  return { mllp, processor, fhir: fhir ?? undefined };
}

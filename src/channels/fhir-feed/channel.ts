import { createHash, timingSafeEqual } from 'node:crypto';
import type { Appointment, Bundle, BundleEntry, Patient, Resource, Subscription } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import type { ChannelStatus, SyncChannel } from '../../flows/sync/channel.js';
import type { MessageStore } from '../../messages/message-store.js';
import { FEED_TYPES, FeedState, type FeedType } from './feed-state.js';
import { FeedHttpError, type FeedFhirClient } from './fhir-client.js';
import type { FhirFeedSettings } from './settings.js';
import { appointmentBundle, controlIdOf, FEED_CHANNEL, feedMessage, participantPatientIds, type FeedEvent } from './to-message.js';

/** Results per page while polling; the server may answer fewer. */
const PAGE_SIZE = 100;
/** The path of the rest-hook receiver (src/http/routes/fhir-hook-routes.ts), the token appended. */
export const FHIR_HOOK_PATH = '/hooks/fhir';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export interface FhirFeedDeps {
  messages: MessageStore;
  state: FeedState;
  client: FeedFhirClient;
  settings: FhirFeedSettings;
  /** Called after each stored message (the processor looks for work at once). */
  wake: () => void;
  logger: Logger;
  /** The engine's base URL as the FHIR server can reach it; undefined: no Subscription. */
  publicUrl: () => string | undefined;
}

export interface NotificationOutcome {
  stored: number;
  duplicates: number;
  /** Entries left aside: another type, no id, or a URL outside the configured server. */
  skipped: number;
}

function isFeedType(t: unknown): t is FeedType {
  return typeof t === 'string' && (FEED_TYPES as readonly string[]).includes(t);
}

/** `W/"3"` -> '3'. */
function versionFromEtag(etag: string | undefined): string | undefined {
  return etag ? /^(?:W\/)?"?([^"]+)"?$/.exec(etag.trim())?.[1] : undefined;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The FHIR R4 change feed (issue 8, source 2): a `SyncChannel` named `fhir` that stores every
 * new Patient and Appointment version of one FHIR server as a message.
 *
 * - The poll (https://hl7.org/fhir/R4/search.html#lastUpdated): every `intervalSeconds`, per
 *   type, `_lastUpdated=ge{cursor - overlap}&_sort=_lastUpdated`, every `next` link followed;
 *   the cursor (the latest meta.lastUpdated read) is kept in the settings table and only moves
 *   forward. The overlap re-reads what a server may have committed late (clock skew, long
 *   transactions); versions read twice are recognised by their control id and not stored again.
 * - Rest-hook Subscriptions (https://hl7.org/fhir/R4/subscription.html) make changes arrive at
 *   once; the poll stays as the safety net (a notification lost while the engine was down).
 *   Searches never return deleted resources, so deletes arrive through notifications only.
 */
export class FhirFeedChannel implements SyncChannel {
  readonly name = FEED_CHANNEL;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private polling: Promise<void> | undefined;
  private counters = { received: 0, duplicates: 0, rejected: 0, errors: 0 };
  private lastMessageAt: string | null = null;
  private lastError: string | null = null;
  private failing = false;
  private subscribed: string | null = null;
  private tokenHash: Promise<Buffer> | undefined;

  constructor(private readonly deps: FhirFeedDeps) {}

  get serverBase(): string {
    return this.deps.client.baseUrl;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const initial = this.deps.settings.since ? new Date(this.deps.settings.since).toISOString() : new Date().toISOString();
    for (const type of FEED_TYPES) await this.deps.state.cursor(type, initial);
    if (this.deps.settings.subscribe) {
      // A server without Subscriptions (or unreachable now) leaves the poll alone doing the work.
      await this.ensureSubscriptions().catch((e: unknown) => this.fail('subscribe', e));
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  status(): ChannelStatus {
    const every = `${this.deps.settings.intervalSeconds} s`;
    let server = 'the sandbox FHIR EMR';
    try {
      server = this.serverBase;
    } catch {
      // Its address is known once the engine listens.
    }
    return {
      name: this.name,
      kind: 'FHIR R4 change feed',
      state: !this.running ? 'stopped' : this.failing ? 'failing' : 'running',
      detail: `${server} every ${every}${this.subscribed ? `, rest-hook Subscriptions ${this.subscribed}` : ''}`,
      ...this.counters,
      lastMessageAt: this.lastMessageAt,
      lastError: this.lastError,
    };
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.pollNow().finally(() => this.schedule(this.deps.settings.intervalSeconds * 1000));
    }, delayMs);
    this.timer.unref();
  }

  /** One poll of every type (joins the one in progress). Resolves once what it read is stored. */
  pollNow(): Promise<void> {
    this.polling ??= (async () => {
      try {
        for (const type of FEED_TYPES) await this.pollType(type);
        this.failing = false;
      } catch (e) {
        this.fail('poll', e);
      } finally {
        this.polling = undefined;
      }
    })();
    return this.polling;
  }

  private async pollType(type: FeedType): Promise<void> {
    const cursor = await this.deps.state.cursor(type, new Date().toISOString());
    const from = iso(Date.parse(cursor) - this.deps.settings.overlapSeconds * 1000);
    let url: string | undefined = `${type}?${new URLSearchParams({ _lastUpdated: `ge${from}`, _sort: '_lastUpdated', _count: String(PAGE_SIZE) })}`;
    let latest = cursor;
    while (url) {
      const page: Bundle | null = await this.deps.client.get<Bundle>(url, `${type} search`);
      for (const entry of page?.entry ?? []) {
        const r = entry.resource;
        if (!r || r.resourceType !== type || (entry.search?.mode && entry.search.mode !== 'match')) continue;
        await this.ingest(r as Patient | Appointment);
        const at = r.meta?.lastUpdated ? Date.parse(r.meta.lastUpdated) : Number.NaN;
        if (!Number.isNaN(at) && iso(at) > latest) latest = iso(at);
      }
      // `resolve` refuses a next link outside the server.
      url = page?.link?.find((l) => l.relation === 'next')?.url;
    }
    if (latest > cursor) await this.deps.state.advance(type, latest);
  }

  private fail(what: 'poll' | 'subscribe' | 'notification', e: unknown): void {
    this.counters.errors++;
    this.failing = what !== 'subscribe' || this.failing;
    // FeedHttpError messages name the call and the status, never an id; other errors only their kind.
    this.lastError = e instanceof FeedHttpError ? e.message : `${what} failed (${(e as Error).name ?? 'error'})`;
    this.deps.logger.warn({ channel: this.name, err: { name: (e as Error).name, status: e instanceof FeedHttpError ? e.status : undefined } }, `FHIR feed: ${this.lastError}`);
  }

  private async alreadyStored(controlId: string): Promise<boolean> {
    const page = await this.deps.messages.list({ channel: FEED_CHANNEL, controlId, limit: 1 });
    return page.items.some((m) => m.sendingFacility === this.deps.client.host);
  }

  private async store(type: FeedType, id: string, versionId: string, event: FeedEvent, content: Resource, patientIds: string[]): Promise<'stored' | 'duplicate'> {
    const receipt = await this.deps.messages.receive(feedMessage({ type, id, versionId, event, content, patientIds, serverHost: this.deps.client.host }));
    if (receipt.duplicate) {
      this.counters.duplicates++;
      return 'duplicate';
    }
    this.counters.received++;
    this.lastMessageAt = new Date().toISOString();
    this.deps.wake();
    return 'stored';
  }

  /** The Appointment's Bundle, with its patients as the server has them now (a deleted one left out). */
  private async withPatients(a: Appointment): Promise<{ content: Bundle; patientIds: string[] }> {
    const patientIds = participantPatientIds(a);
    const patients: Patient[] = [];
    for (const pid of patientIds) {
      const p = await this.deps.client.get<Patient>(`Patient/${pid}`, 'Patient read', { allowGone: true });
      if (p?.resourceType === 'Patient') patients.push(p);
    }
    return { content: appointmentBundle(this.serverBase, a, patients), patientIds };
  }

  /** Stores one version read from the server (search entry, read, or a full-resource notification). */
  async ingest(resource: Patient | Appointment): Promise<'stored' | 'duplicate' | 'skipped'> {
    const type = resource.resourceType;
    const id = resource.id;
    if (!isFeedType(type) || !id || !FHIR_ID.test(id)) return 'skipped';
    // A server without versions: the last-updated instant names the version.
    const versionId = resource.meta?.versionId ?? resource.meta?.lastUpdated;
    if (!versionId) return 'skipped';
    if (await this.alreadyStored(controlIdOf(type, id, versionId))) {
      this.counters.duplicates++;
      return 'duplicate';
    }
    const event: FeedEvent = versionId === '1' ? 'create' : 'update';
    if (resource.resourceType === 'Patient') return this.store(type, id, versionId, event, resource, [id]);
    const { content, patientIds } = await this.withPatients(resource);
    return this.store(type, id, versionId, event, content, patientIds);
  }

  /** Stores a delete: the last content from the resource's history, so processing knows what it was. */
  async ingestDelete(type: FeedType, id: string, versionId: string | undefined): Promise<'stored' | 'duplicate' | 'skipped'> {
    const history = await this.deps.client.get<Bundle>(`${type}/${id}/_history`, `${type} history`, { allowGone: true }).catch(() => null);
    const entries = history?.entry ?? [];
    const newest = entries[0];
    const vid = versionId ?? versionFromEtag(newest?.response?.etag) ?? newest?.resource?.meta?.versionId;
    // Not deleted after all (a stale notification): nothing to store as a delete.
    if (newest && newest.request?.method !== 'DELETE' && newest.resource) return 'skipped';
    if (!vid) return 'skipped';
    if (await this.alreadyStored(controlIdOf(type, id, vid))) {
      this.counters.duplicates++;
      return 'duplicate';
    }
    const last = entries.find((e) => e.resource?.resourceType === type)?.resource as Patient | Appointment | undefined;
    if (!last) return this.store(type, id, vid, 'delete', { resourceType: type, id } as Resource, type === 'Patient' ? [id] : []);
    if (last.resourceType === 'Patient') return this.store(type, id, vid, 'delete', last, [id]);
    const { content, patientIds } = await this.withPatients(last);
    return this.store(type, id, vid, 'delete', content, patientIds);
  }

  /** The type and id a notification entry names, only when it names them under the configured server. */
  private target(entry: BundleEntry): { type: FeedType; id: string } | undefined {
    const candidates = [entry.fullUrl, entry.request?.url].filter((u): u is string => typeof u === 'string' && u !== '');
    for (const u of candidates) {
      // An absolute URL elsewhere is never followed, nor trusted to name a resource here.
      if (/^[a-z][a-z0-9+.-]*:/i.test(u) && !this.deps.client.isUnderBase(u)) return undefined;
      const m = /(?:^|\/)(Patient|Appointment)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/?]+)?(?:\?.*)?$/.exec(u);
      if (m?.[1] && m[2] && isFeedType(m[1])) return { type: m[1], id: m[2] };
    }
    return undefined;
  }

  /**
   * A rest-hook notification (the route answers 200 once this resolves: everything it names is
   * stored). A full resource is stored as it came; an id-only Bundle (R4 Backport) names
   * versions the feed then reads from the configured server; an empty body (R4 "ping") polls.
   */
  async handleNotification(body: unknown): Promise<NotificationOutcome> {
    const outcome: NotificationOutcome = { stored: 0, duplicates: 0, skipped: 0 };
    const count = (r: 'stored' | 'duplicate' | 'skipped'): void => {
      if (r === 'stored') outcome.stored++;
      else if (r === 'duplicate') outcome.duplicates++;
      else outcome.skipped++;
    };
    if (body === undefined || body === null) {
      await this.pollNow();
      return outcome;
    }
    const r = body as Resource;
    if (r.resourceType === 'Patient' || r.resourceType === 'Appointment') {
      count(await this.ingest(r));
      return outcome;
    }
    if (r.resourceType !== 'Bundle') {
      outcome.skipped++;
      return outcome;
    }
    for (const entry of (r as Bundle).entry ?? []) {
      const res = entry.resource;
      if (res && (res.resourceType === 'Parameters' || (res.resourceType as string) === 'SubscriptionStatus')) continue; // Backport status entry
      if (res && (res.resourceType === 'Patient' || res.resourceType === 'Appointment') && res.meta?.versionId && entry.request?.method !== 'DELETE') {
        count(await this.ingest(res));
        continue;
      }
      const t = this.target(entry);
      if (!t) {
        outcome.skipped++;
        continue;
      }
      if (entry.request?.method === 'DELETE') {
        count(await this.ingestDelete(t.type, t.id, versionFromEtag(entry.response?.etag)));
        continue;
      }
      // Id-only: read the current version from the configured server (never from the body's URL).
      const current = await this.deps.client.get<Patient | Appointment>(`${t.type}/${t.id}`, `${t.type} read`, { allowGone: true });
      count(current ? await this.ingest(current) : await this.ingestDelete(t.type, t.id, undefined));
    }
    return outcome;
  }

  /** Constant-time check of a rest-hook token (hashes compared, so lengths leak nothing). */
  async tokenMatches(candidate: string): Promise<boolean> {
    this.tokenHash ??= this.deps.state.hookToken().then((t) => createHash('sha256').update(t).digest());
    const expected = await this.tokenHash;
    return timingSafeEqual(createHash('sha256').update(candidate).digest(), expected);
  }

  /**
   * One Subscription per type whose notifications reach `/hooks/fhir/<token>` with the full
   * resource. Those created on an earlier start are reused while the server still has them
   * active for the same endpoint; else new ones are created.
   */
  private async ensureSubscriptions(): Promise<void> {
    const publicUrl = this.deps.publicUrl();
    if (!publicUrl) return;
    const token = await this.deps.state.hookToken();
    const endpoint = `${publicUrl.replace(/\/+$/, '')}${FHIR_HOOK_PATH}/${token}`;
    const known = await this.deps.state.subscriptions();
    if (known && known.base === this.serverBase && known.endpoint === endpoint) {
      let alive = true;
      for (const id of known.ids) {
        const s = await this.deps.client.get<Subscription>(`Subscription/${id}`, 'Subscription read', { allowGone: true });
        if (s?.status !== 'active' || s.channel?.endpoint !== endpoint) alive = false;
      }
      if (alive) {
        this.subscribed = 'active';
        return;
      }
    }
    const ids: string[] = [];
    for (const type of FEED_TYPES) {
      const created = await this.deps.client.post<Subscription>(
        'Subscription',
        {
          resourceType: 'Subscription',
          status: 'requested',
          reason: 'ehr-bridge change feed',
          criteria: type,
          channel: { type: 'rest-hook', endpoint, payload: 'application/fhir+json' },
        } satisfies Subscription,
        'Subscription create',
      );
      if (created.id) ids.push(created.id);
    }
    await this.deps.state.setSubscriptions({ base: this.serverBase, endpoint, ids });
    this.subscribed = 'active';
  }
}

import { randomUUID } from 'node:crypto';
import type { Bundle, Subscription } from '@medplum/fhirtypes';
import { Agent, request } from 'undici';
import { WebhookTargetPolicy } from '../oncall/webhook-target.js';
import { isFhirEmrType, type FhirEmrStore, type FhirEmrType, type HistoryEntry, type StoreChange } from './fhir-store.js';
import { OperationOutcomeError } from './operation-outcome.js';
import { matchesSearch, parseSearch, type ParsedSearch } from './search.js';

/**
 * R4 rest-hook Subscriptions (https://hl7.org/fhir/R4/subscription.html) on Patient and
 * Appointment, so the sandbox notifies like a real EMR does.
 *
 * What a notification carries (a choice, https://hl7.org/fhir/R4/subscription.html#channels):
 * - `channel.payload` = `application/fhir+json` (or `application/json`): the resource version
 *   itself, as R4 rest-hook "full resource" does. A delete has no resource: it is sent as the
 *   id-only Bundle below.
 * - `channel.payload` absent: not R4's empty "ping" (which names nothing) but the R4
 *   Subscriptions Backport's "id-only" shape
 *   (https://hl7.org/fhir/uv/subscriptions-backport/STU1.1/payloads.html#id-only): a Bundle of
 *   type `history` whose one entry has only `fullUrl`, `request` (method and url) and `response`
 *   (status, `etag` = the version, `lastModified`), never the resource's content.
 *
 * Endpoints are checked like the OnCall sandbox's webhooks (loopback or
 * SANDBOX_WEBHOOK_ALLOWED_HOSTS, again at each connection). Deliveries never block the write
 * that caused them; they go out in order per Subscription; a failed one (network error or
 * non-2xx) is retried with backoff, then counted as failed and noted in the Subscription's `error`.
 */

export const SUBSCRIPTION_RETRY = {
  maxAttempts: 4,
  initialDelayMs: 250,
  factor: 3,
  attemptTimeoutMs: 5_000,
} as const satisfies Record<string, number>;
export type SubscriptionRetry = { [K in keyof typeof SUBSCRIPTION_RETRY]: number };

const FULL_PAYLOADS = ['application/fhir+json', 'application/json'];
const SUBSCRIBABLE: readonly FhirEmrType[] = ['Patient', 'Appointment'];

interface Registered {
  resource: Subscription & { id: string };
  type: FhirEmrType;
  query: ParsedSearch;
  headers: Record<string, string>;
  /** The FHIR base the notifications' URLs use (the one the client created it through). */
  base: string;
  /** Deliveries in order: a notification waits for the previous one (and its retries). */
  queue: Promise<void>;
}

export interface SubscriptionStats {
  attempts: number;
  delivered: number;
  failed: number;
}

export class SubscriptionRegistry {
  private readonly subs = new Map<string, Registered>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private agent: Agent;
  private closed = false;
  readonly stats: SubscriptionStats = { attempts: 0, delivered: 0, failed: 0 };
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: FhirEmrStore,
    private readonly targets: WebhookTargetPolicy,
    private readonly retry: SubscriptionRetry = SUBSCRIPTION_RETRY,
  ) {
    this.agent = this.newAgent();
    this.unsubscribe = store.onChange((c) => this.notify(c));
  }

  private newAgent(): Agent {
    return new Agent({ keepAliveTimeout: 1_000, connect: { lookup: this.targets.connectLookup() } });
  }

  get size(): number {
    return this.subs.size;
  }

  /** Validates and registers a Subscription; the server makes it `active` at once. */
  async create(body: unknown, base: string): Promise<Subscription> {
    const sub = body as Partial<Subscription> | null;
    if (!sub || typeof sub !== 'object' || sub.resourceType !== 'Subscription') {
      throw OperationOutcomeError.of(400, 'invalid', 'The body must be a Subscription resource');
    }
    if (typeof sub.reason !== 'string' || sub.reason === '') throw OperationOutcomeError.of(400, 'required', 'Subscription.reason is required', ['Subscription.reason']);
    if (typeof sub.criteria !== 'string') throw OperationOutcomeError.of(400, 'required', 'Subscription.criteria is required', ['Subscription.criteria']);
    const [typeName = '', queryText = ''] = sub.criteria.split('?', 2);
    if (!isFhirEmrType(typeName) || !SUBSCRIBABLE.includes(typeName)) {
      throw OperationOutcomeError.of(422, 'not-supported', `Subscriptions are offered on ${SUBSCRIBABLE.join(' and ')} only`, ['Subscription.criteria']);
    }
    const query = parseSearch(typeName, Array.from(new URLSearchParams(queryText).entries()), { strict: true });
    const channel = sub.channel;
    if (channel?.type !== 'rest-hook') throw OperationOutcomeError.of(422, 'not-supported', 'Only rest-hook channels are offered', ['Subscription.channel.type']);
    if (typeof channel.endpoint !== 'string') throw OperationOutcomeError.of(400, 'required', 'Subscription.channel.endpoint is required', ['Subscription.channel.endpoint']);
    const checked = await this.targets.check(channel.endpoint);
    if (!checked.ok) throw OperationOutcomeError.of(422, 'security', checked.message, ['Subscription.channel.endpoint']);
    if (channel.payload !== undefined && !FULL_PAYLOADS.includes(channel.payload)) {
      throw OperationOutcomeError.of(422, 'not-supported', 'channel.payload must be application/fhir+json or absent (id-only)', ['Subscription.channel.payload']);
    }
    const headers: Record<string, string> = {};
    for (const h of channel.header ?? []) {
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(h);
      if (!m?.[1]) throw OperationOutcomeError.of(400, 'value', 'Each channel.header must read "Name: value"', ['Subscription.channel.header']);
      headers[m[1].toLowerCase()] = m[2] ?? '';
    }
    const resource: Subscription & { id: string } = {
      ...sub,
      resourceType: 'Subscription',
      reason: sub.reason,
      criteria: sub.criteria,
      id: randomUUID(),
      status: 'active',
      meta: { versionId: '1', lastUpdated: new Date().toISOString() },
      channel: { ...channel },
    };
    delete resource.error;
    this.subs.set(resource.id, { resource, type: typeName, query, headers, base, queue: Promise.resolve() });
    return resource;
  }

  get(id: string): Subscription | undefined {
    return this.subs.get(id)?.resource;
  }

  list(): Subscription[] {
    return [...this.subs.values()].map((s) => s.resource);
  }

  delete(id: string): boolean {
    return this.subs.delete(id);
  }

  private notify(change: StoreChange): void {
    if (this.closed) return;
    for (const sub of this.subs.values()) {
      if (sub.type !== change.type || sub.resource.status !== 'active') continue;
      // A delete is matched on the version it removed: the criteria are about that content.
      const content = change.entry.resource ?? this.store.history(change.type, change.id)[1]?.resource;
      if (!content || !matchesSearch(content, sub.query)) continue;
      const full = sub.resource.channel.payload !== undefined && change.entry.resource !== undefined;
      const body = JSON.stringify(full ? change.entry.resource : idOnlyBundle(sub.base, change.type, change.id, change.entry));
      const headers: Record<string, string> = {
        'user-agent': 'fhir-emr-sandbox-subscriptions',
        ...sub.headers,
        'content-type': 'application/fhir+json; charset=utf-8',
      };
      // In order per Subscription, so a receiver never gets version 3 before version 2.
      sub.queue = sub.queue.then(() => this.deliver(sub, body, headers)).catch(() => undefined);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      timer.unref();
      this.timers.add(timer);
    });
  }

  private async deliver(sub: Registered, body: string, headers: Record<string, string>): Promise<void> {
    for (let attemptNo = 1; ; attemptNo++) {
      const agent = this.agent;
      const failure = await this.attempt(sub, body, headers, agent);
      // Delivered, or the registry was closed or reset meanwhile.
      if (failure === null || this.closed || agent !== this.agent) return;
      if (attemptNo >= this.retry.maxAttempts) {
        this.stats.failed++;
        sub.resource.error = `Last notification failed after ${attemptNo} attempts: ${failure}`;
        return;
      }
      await this.sleep(this.retry.initialDelayMs * this.retry.factor ** (attemptNo - 1));
    }
  }

  /** One POST; null when delivered, else why not (no content of the notification). */
  private async attempt(sub: Registered, body: string, headers: Record<string, string>, agent: Agent): Promise<string | null> {
    if (this.closed) return 'closed';
    this.stats.attempts++;
    try {
      const res = await request(sub.resource.channel.endpoint ?? '', {
        method: 'POST',
        headers,
        body,
        dispatcher: agent,
        headersTimeout: this.retry.attemptTimeoutMs,
        bodyTimeout: this.retry.attemptTimeoutMs,
      });
      await res.body.dump();
      if (res.statusCode >= 200 && res.statusCode < 300) {
        this.stats.delivered++;
        delete sub.resource.error;
        return null;
      }
      return `the endpoint answered HTTP ${res.statusCode}`;
    } catch (e) {
      return `the endpoint could not be reached (${(e as NodeJS.ErrnoException).code ?? 'network error'})`;
    }
  }

  /** Forgets every subscription and drops pending deliveries (the sandbox's reset). */
  async reset(): Promise<void> {
    this.subs.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const old = this.agent;
    this.agent = this.newAgent();
    await old.destroy().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.agent.destroy().catch(() => undefined);
  }
}

/** The Backport's id-only notification content: where the version is, never what it says. */
export function idOnlyBundle(base: string, type: FhirEmrType, id: string, entry: HistoryEntry): Bundle {
  const status = entry.method === 'POST' ? '201 Created' : entry.method === 'DELETE' ? '204 No Content' : '200 OK';
  return {
    resourceType: 'Bundle',
    type: 'history',
    entry: [
      {
        fullUrl: `${base}/${type}/${id}`,
        request: { method: entry.method, url: entry.method === 'POST' ? type : `${type}/${id}` },
        response: { status, etag: `W/"${entry.versionId}"`, lastModified: entry.lastUpdated },
      },
    ],
  };
}

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import PQueue from 'p-queue';
import { Agent, type Dispatcher } from 'undici';
import { z } from 'zod';
import { createLogger, type Logger } from '../../logging/logger.js';
import { PartnerError } from '../partner-error.js';
import { AdaptiveLimit, type SampleOutcome } from './adaptive-limit.js';
import { authMessage, errorForResponse, errorForSend, PARTNER, type RequestFacts } from './classify.js';
import { ONCALL_CLIENT_DEFAULTS, ONCALL_MAX_PAGE_SIZE } from './config.js';
import {
  AppointmentCreateSchema,
  AppointmentPatchSchema,
  AppointmentSchema,
  ContactCreateSchema,
  ContactPatchSchema,
  ContactSchema,
  DivisionSchema,
  pageSchema,
  ParticipantPatchSchema,
  ParticipantSchema,
  ProviderSchema,
  type Appointment,
  type AppointmentCreate,
  type AppointmentPatch,
  type Contact,
  type ContactCreate,
  type ContactPatch,
  type Division,
  type Participant,
  type ParticipantPatch,
  type Provider,
} from './schemas.js';
import { SendError, sendOnce } from './send-once.js';

/**
 * HTTP client for the OnCall Health REST API (partner-apis.md, "OnCall Health").
 *
 * Every attempt (first try or retry) is one task of a p-queue, so `concurrency` and
 * `requestsPerSecond` bound what the partner sees, retries included. The queue's concurrency
 * is not fixed: an AdaptiveLimit (adaptive-limit.ts, issue 8) starts it at 4 and moves it
 * between 1 and `concurrency` from each attempt's answer time and 429/503/timeouts, so the
 * client fills a fast partner and backs off a struggling one with no tuning. A 429 also pauses
 * the whole queue for Retry-After: one throttled record must slow the whole engine, not only itself.
 * Failures are classified once (classify.ts); only transient ones are retried here. An
 * ambiguous POST is never repeated: the caller resolves it by lookup (lookup.ts).
 */

export interface OncallClientOptions {
  /** From `oncallBaseUrl()`; may carry a path prefix (sandbox mounted under `/oncall`). */
  baseUrl: string;
  apiKey: string;
  /**
   * Most parallel requests (and keep-alive sockets); the adaptive limit moves below it.
   * Default `ONCALL_CLIENT_DEFAULTS.concurrency` (64).
   */
  concurrency?: number;
  /**
   * Default true. False: exactly `concurrency` parallel requests, never adapted (benchmarks
   * comparing against a fixed pool; tests that need a known load on the partner).
   */
  adaptiveConcurrency?: boolean;
  /** Default `ONCALL_CLIENT_DEFAULTS.requestsPerSecond` (0); 0 or Infinity = unlimited. */
  requestsPerSecond?: number;
  /** Per attempt, from dispatch to the last body byte. Default 15000. */
  timeoutMs?: number;
  /** Retries after the first attempt for transient failures. Default 5. */
  maxRetries?: number;
  /** First backoff step in ms (doubles per attempt, jittered). Default 250. */
  retryBaseMs?: number;
  logger?: Logger;
  /** Replaces the client's own undici Agent (tests: MockAgent). Not closed by close(). */
  dispatcher?: Dispatcher;
}

export interface OncallClientStats {
  /** Attempts that went to the network. */
  requests: number;
  /** Attempts after the first for the same call. */
  retries: number;
  /** 429 answers received. */
  throttled: number;
  /** Attempts running now. */
  inFlight: number;
  /** Parallel attempts allowed now: the adaptive limit, between 1 and `concurrencyMax`. */
  concurrencyLimit: number;
  /** The configured ceiling (`concurrency`, ONCALL_CONCURRENCY). */
  concurrencyMax: number;
}

export interface ContactFilters {
  name?: string;
  email?: string;
  phone?: string;
  /** 1..100 (OnCall's maximum); default 100 to keep listings short. */
  pageSize?: number;
}

export interface AppointmentListOptions {
  /** Only this roster contact's appointments (`GET /contacts/{id}/appointments/`). */
  contact?: string | number;
  pageSize?: number;
}

/** One listing page as read: `count` is of all pages, `results` unparsed. */
export interface ListedPage {
  count: number;
  next?: string | null;
  results: unknown[];
}

/** After each page of a listing: objects listed so far, and the listing's `count` (all pages). */
export type OnPage = (progress: { listed: number; count: number }) => void;

type Method = 'GET' | 'POST' | 'PATCH';
type Outcome<T> = { ok: true; value: T } | { ok: false; error: PartnerError };

const RESOURCES = ['providers', 'divisions', 'contacts', 'appointments', 'participants'] as const;
type Resource = (typeof RESOURCES)[number];

export class OncallClient {
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly origin: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly queue: PQueue;
  /** Undefined when `adaptiveConcurrency` is false. */
  private readonly limit: AdaptiveLimit | undefined;
  private readonly maxConcurrency: number;
  private readonly log: Logger;
  private readonly counters = { requests: 0, retries: 0, throttled: 0 };
  private authError: PartnerError | undefined;
  private closed = false;
  private pausedUntil = 0;
  private pauseTimer: NodeJS.Timeout | undefined;

  constructor(opts: OncallClientOptions) {
    const base = new URL(opts.baseUrl);
    this.baseUrl = `${base.origin}${base.pathname}`.replace(/\/+$/, '');
    this.origin = base.origin;
    if (!opts.apiKey) throw new Error('OnCall Health API key is empty');
    this.apiKey = opts.apiKey;
    const concurrency = Math.max(1, Math.floor(opts.concurrency ?? ONCALL_CLIENT_DEFAULTS.concurrency));
    this.timeoutMs = opts.timeoutMs ?? ONCALL_CLIENT_DEFAULTS.timeoutMs;
    this.maxRetries = Math.max(0, opts.maxRetries ?? ONCALL_CLIENT_DEFAULTS.maxRetries);
    this.retryBaseMs = opts.retryBaseMs ?? ONCALL_CLIENT_DEFAULTS.retryBaseMs;
    this.log = opts.logger ?? createLogger({ name: 'oncall-client' });

    this.ownsDispatcher = opts.dispatcher === undefined;
    this.dispatcher =
      opts.dispatcher ??
      new Agent({
        connections: concurrency,
        pipelining: 1,
        keepAliveTimeout: 10_000,
        connect: { timeout: Math.min(this.timeoutMs, 10_000) },
      });

    const rps = opts.requestsPerSecond ?? ONCALL_CLIENT_DEFAULTS.requestsPerSecond;
    const limited = rps > 0 && Number.isFinite(rps);
    this.maxConcurrency = concurrency;
    this.limit = opts.adaptiveConcurrency === false ? undefined : new AdaptiveLimit({ max: concurrency, now: () => performance.now() });
    // One start per 1000/rps ms in a sliding window: evenly spaced, never a burst of `rps`.
    this.queue = new PQueue({
      concurrency: this.limit?.limit ?? concurrency,
      ...(limited ? { intervalCap: 1, interval: 1000 / rps, strict: true } : {}),
    });
  }

  /** Cheapest authenticated call; throws PartnerError kind 'auth' if the key is refused. */
  /**
   * A probe of the key. Its caller reports a refusal itself (the CLI's one line), so the client
   * does not log its own warning about it; later calls still stop at the recorded refusal.
   */
  async checkAuth(): Promise<void> {
    await this.call('GET', this.url('/providers/', { page_size: 1 }), pageSchema(ProviderSchema), undefined, { callerReportsAuth: true });
  }

  async listProviders(): Promise<Provider[]> {
    return collect(this.paginate(this.url('/providers/', { page_size: ONCALL_MAX_PAGE_SIZE }), ProviderSchema));
  }

  async listDivisions(): Promise<Division[]> {
    return collect(this.paginate(this.url('/divisions/', { page_size: ONCALL_MAX_PAGE_SIZE }), DivisionSchema));
  }

  /** Roster contacts, page after page following `next`; `onPage` hears how far the listing got. */
  async *contacts(filters: ContactFilters = {}, onPage?: OnPage): AsyncGenerator<Contact> {
    const query = {
      name: filters.name,
      email: filters.email,
      phone: filters.phone,
      page_size: clampPageSize(filters.pageSize),
    };
    yield* this.paginate(this.url('/contacts/', query), ContactSchema, onPage);
  }

  async getContact(urlOrId: string | number): Promise<Contact> {
    return this.call('GET', this.objectUrl('contacts', urlOrId), ContactSchema);
  }

  async createContact(body: ContactCreate): Promise<Contact> {
    const valid = validateBody(ContactCreateSchema, body, 'POST /contacts/');
    return this.call('POST', this.url('/contacts/'), ContactSchema, valid);
  }

  async patchContact(urlOrId: string | number, patch: ContactPatch): Promise<Contact> {
    const valid = validateBody(ContactPatchSchema, patch, 'PATCH /contacts/{id}/');
    return this.call('PATCH', this.objectUrl('contacts', urlOrId), ContactSchema, valid);
  }

  async *appointments(opts: AppointmentListOptions = {}, onPage?: OnPage): AsyncGenerator<Appointment> {
    const path =
      opts.contact === undefined
        ? '/appointments/'
        : `${new URL(this.objectUrl('contacts', opts.contact)).pathname.slice(this.basePathLength())}appointments/`;
    yield* this.paginate(this.url(path, { page_size: clampPageSize(opts.pageSize) }), AppointmentSchema, onPage);
  }

  async getAppointment(urlOrId: string | number): Promise<Appointment> {
    return this.call('GET', this.objectUrl('appointments', urlOrId), AppointmentSchema);
  }

  async createAppointment(body: AppointmentCreate): Promise<Appointment> {
    const valid = validateBody(AppointmentCreateSchema, body, 'POST /appointments/');
    return this.call('POST', this.url('/appointments/'), AppointmentSchema, valid);
  }

  async patchAppointment(urlOrId: string | number, patch: AppointmentPatch): Promise<Appointment> {
    const valid = validateBody(AppointmentPatchSchema, patch, 'PATCH /appointments/{id}/');
    return this.call('PATCH', this.objectUrl('appointments', urlOrId), AppointmentSchema, valid);
  }

  async patchParticipant(urlOrId: string | number, patch: ParticipantPatch): Promise<Participant> {
    const valid = validateBody(ParticipantPatchSchema, patch, 'PATCH /participants/{id}/');
    return this.call('PATCH', this.objectUrl('participants', urlOrId), ParticipantSchema, valid);
  }

  /**
   * One page of a listing as OnCall sent it (`?page=N&page_size=`), for readers that keep their
   * own place and resume at a page (the contact scan, src/channels/oncall-scan/). Records are
   * left unparsed so one odd record cannot fail the page; null when the page is past the end
   * (DRF answers 404 "Invalid page" once records were removed since the place was kept).
   */
  async listPage(resource: 'contacts' | 'appointments', page: number, pageSize?: number): Promise<ListedPage | null> {
    const target = this.url(`/${resource}/`, { page: Math.max(1, Math.floor(page)), page_size: clampPageSize(pageSize) });
    try {
      return await this.call('GET', target, pageSchema(z.unknown()));
    } catch (e) {
      if (page > 1 && e instanceof PartnerError && e.status === 404) return null;
      throw e;
    }
  }

  stats(): OncallClientStats {
    return { ...this.counters, inFlight: this.queue.pending, concurrencyLimit: this.queue.concurrency, concurrencyMax: this.maxConcurrency };
  }

  /** Lets running attempts finish, fails queued ones, then closes the sockets. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.pauseTimer);
    this.queue.start();
    await this.queue.onIdle();
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  // ---- internals -------------------------------------------------------------------------

  private async *paginate<T>(firstUrl: string, item: z.ZodType<T>, onPage?: OnPage): AsyncGenerator<T> {
    const schema = pageSchema(item);
    const seen = new Set<string>();
    let listed = 0;
    let next: string | null | undefined = firstUrl;
    while (next) {
      const target = this.rebase(next);
      if (seen.has(target)) {
        throw new PartnerError(PARTNER, 'permanent', 'OnCall Health pagination loops back to a page already read');
      }
      seen.add(target);
      const page = await this.call('GET', target, schema);
      listed += page.results.length;
      onPage?.({ listed, count: page.count });
      for (const row of page.results) yield row as T;
      next = page.next;
    }
  }

  private async call<T>(method: Method, target: string, schema: z.ZodType<T>, body?: unknown, opts: { callerReportsAuth?: boolean } = {}): Promise<T> {
    const url = new URL(target);
    const req: RequestFacts = { method, path: url.pathname, idempotent: method !== 'POST' };
    const bodyText = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.queue.add(() =>
        this.attempt(req, url.pathname + url.search, bodyText, body, schema, attempt, opts.callerReportsAuth ?? false),
      );
      if (outcome.ok) return outcome.value;
      const error = outcome.error;
      if (error.kind !== 'transient' || attempt > this.maxRetries || this.closed) throw error;
      if (error.retryAfterMs !== undefined && error.retryAfterMs > ONCALL_CLIENT_DEFAULTS.maxRetryAfterMs) throw error;
      const delayMs = error.retryAfterMs ?? this.backoff(attempt);
      this.counters.retries++;
      this.log.debug(
        { partner: PARTNER, method, path: req.path, attempt, status: error.status, delayMs },
        'oncall retry scheduled',
      );
      await sleep(delayMs);
    }
  }

  private async attempt<T>(
    req: RequestFacts,
    pathWithQuery: string,
    bodyText: string | undefined,
    body: unknown,
    schema: z.ZodType<T>,
    attempt: number,
    callerReportsAuth: boolean,
  ): Promise<Outcome<T>> {
    // Once the key is refused every call would fail the same way: stop touching the network.
    if (this.authError) return { ok: false, error: this.authError };
    if (this.closed) {
      return { ok: false, error: new PartnerError(PARTNER, 'permanent', 'OnCall client is closed') };
    }
    this.counters.requests++;
    // p-queue counts this attempt among the pending ones: it is running.
    const inFlight = this.queue.pending;
    const started = performance.now();
    const logLine = (extra: Record<string, unknown>) =>
      this.log.debug(
        { partner: PARTNER, method: req.method, path: req.path, attempt, durationMs: Math.round(performance.now() - started), ...extra },
        'oncall request',
      );

    let res;
    try {
      res = await sendOnce(this.dispatcher, {
        origin: this.origin,
        path: pathWithQuery,
        method: req.method as Method,
        headers: {
          authorization: `Token ${this.apiKey}`,
          accept: 'application/json',
          'user-agent': 'ehr-bridge',
          ...(bodyText === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(bodyText === undefined ? {} : { body: bodyText }),
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      const error =
        err instanceof SendError
          ? errorForSend(err, req)
          : new PartnerError(PARTNER, 'permanent', `OnCall client failed on ${req.method} ${req.path}`, { cause: err });
      logLine({ error: err instanceof SendError ? (err.code ?? 'error') : 'error', sent: err instanceof SendError && err.sent, kind: error.kind });
      // No answer in time is the overload signal of a partner that queues instead of refusing.
      this.adapt(started, inFlight, err instanceof SendError && err.timedOut ? 'overload' : 'ignore');
      return { ok: false, error };
    }

    logLine({ status: res.status });
    this.adapt(started, inFlight, res.status === 429 || res.status === 503 ? 'overload' : 'ok');
    const text = res.body.toString('utf8');
    if (res.status >= 200 && res.status < 300) {
      return this.parseSuccess(text, schema, req);
    }
    const error = errorForResponse({ status: res.status, headers: res.headers, bodyText: text }, req, body);
    if (res.status === 429) {
      this.counters.throttled++;
      // Capped: a partner asking for an hour gets the error thrown, not a frozen engine.
      this.pauseQueue(Math.min(error.retryAfterMs ?? this.backoff(attempt), ONCALL_CLIENT_DEFAULTS.maxRetryAfterMs));
    }
    if (error.kind === 'auth' && !this.authError) {
      this.authError = error;
      if (!callerReportsAuth) this.log.warn({ partner: PARTNER, status: res.status }, authMessage(res.status));
    }
    return { ok: false, error };
  }

  private parseSuccess<T>(text: string, schema: z.ZodType<T>, req: RequestFacts): Outcome<T> {
    let json: unknown;
    try {
      json = text.length === 0 ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) return { ok: true, value: parsed.data };
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(body)'))].slice(0, 10);
    // A POST that answered 2xx was applied even if we cannot read the answer: look it up.
    const kind = req.idempotent ? 'permanent' : 'ambiguous';
    return {
      ok: false,
      error: new PartnerError(
        PARTNER,
        kind,
        `OnCall Health sent an unexpected response to ${req.method} ${req.path} (fields: ${fields.join(', ')})`,
      ),
    };
  }

  /** Feeds one attempt's answer to the adaptive limit and applies a new limit to the queue. */
  private adapt(startedAt: number, inFlight: number, outcome: SampleOutcome): void {
    if (!this.limit) return;
    const before = this.limit.limit;
    if (!this.limit.sample({ startedAt, rttMs: performance.now() - startedAt, outcome, inFlight })) return;
    this.queue.concurrency = this.limit.limit;
    this.log.debug({ partner: PARTNER, from: before, to: this.limit.limit, outcome, minRttMs: Math.round(this.limit.minRttMs) }, 'oncall concurrency limit changed');
  }

  /** Holds every queued attempt until the partner's Retry-After has passed. */
  private pauseQueue(ms: number): void {
    const until = Date.now() + ms;
    if (until <= this.pausedUntil || this.closed) return;
    this.pausedUntil = until;
    this.queue.pause();
    clearTimeout(this.pauseTimer);
    this.pauseTimer = setTimeout(() => {
      this.pausedUntil = 0;
      this.queue.start();
    }, ms);
    this.pauseTimer.unref();
    this.log.info({ partner: PARTNER, pauseMs: ms }, 'oncall rate limited: queue paused');
  }

  /** Exponential backoff with equal jitter: half fixed, half random. */
  private backoff(attempt: number): number {
    const exp = Math.min(ONCALL_CLIENT_DEFAULTS.retryMaxDelayMs, this.retryBaseMs * 2 ** (attempt - 1));
    return Math.round(exp / 2 + Math.random() * (exp / 2));
  }

  private basePathLength(): number {
    return new URL(this.baseUrl).pathname.replace(/\/+$/, '').length;
  }

  /** `path` is relative to the base URL (starts with '/'); undefined query values are dropped. */
  private url(path: string, query: Record<string, string | number | undefined> = {}): string {
    const u = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') u.searchParams.set(k, String(v));
    return u.toString();
  }

  /** An id (`42`) or an object URL (`https://api.oncallhealth.ca/contacts/42/`). */
  private objectUrl(resource: Resource, urlOrId: string | number): string {
    const s = String(urlOrId).trim();
    if (/^\d+$/.test(s)) return this.url(`/${resource}/${s}/`);
    const rebased = this.rebase(s);
    if (!new URL(rebased).pathname.includes(`/${resource}/`)) {
      throw new PartnerError(PARTNER, 'permanent', `Not an OnCall Health ${resource} URL or id`);
    }
    return rebased;
  }

  /**
   * Object and `next` URLs come back absolute. The API key is only ever sent to the configured
   * base URL: a URL on another host (proxy, http/https mix, the guide's api.dev host) is
   * re-rooted on the base URL from its resource segment (`/contacts/42/?page=2`).
   */
  private rebase(absolute: string): string {
    let u: URL;
    try {
      u = new URL(absolute, this.baseUrl + '/');
    } catch {
      throw new PartnerError(PARTNER, 'permanent', 'Malformed OnCall Health URL');
    }
    const base = new URL(this.baseUrl);
    const basePath = base.pathname.replace(/\/+$/, '');
    if (u.origin === base.origin && (u.pathname === basePath || u.pathname.startsWith(`${basePath}/`))) {
      return u.toString();
    }
    const match = new RegExp(`/(?:${RESOURCES.join('|')})/`).exec(u.pathname);
    if (!match) throw new PartnerError(PARTNER, 'permanent', 'URL is not an OnCall Health API URL');
    return `${this.baseUrl}${u.pathname.slice(match.index)}${u.search}`;
  }
}

function clampPageSize(n: number | undefined): number {
  if (n === undefined || !Number.isFinite(n)) return ONCALL_MAX_PAGE_SIZE;
  return Math.min(ONCALL_MAX_PAGE_SIZE, Math.max(1, Math.floor(n)));
}

/** Our own body check before sending: names the fields, never their values. */
function validateBody<T>(schema: z.ZodType<T>, body: unknown, where: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of parsed.error.issues) {
    (fieldErrors[issue.path.join('.') || '(body)'] ??= []).push(issue.message);
  }
  const list = Object.entries(fieldErrors)
    .map(([f, m]) => `${f}: ${m.join(' ')}`)
    .join('; ');
  throw new PartnerError(PARTNER, 'permanent', `Invalid body for ${where}: ${list}`, { fieldErrors });
}

async function collect<T>(gen: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

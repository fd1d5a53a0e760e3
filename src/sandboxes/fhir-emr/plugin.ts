import { Readable } from 'node:stream';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ExportJobs, ndjsonChunks, type ExportJob } from './bulk-export.js';
import { buildCapabilityStatement, WRITABLE_TYPES } from './capability-statement.js';
import { createFhirEmrStore, FHIR_EMR_TYPES, isFhirEmrType, VersionConflictError, type FhirEmrStore, type FhirEmrType, type HistoryEntry } from './fhir-store.js';
import { registerFhirEmrIndexRoute } from './index-page.js';
import { OperationOutcomeError, outcome } from './operation-outcome.js';
import { PageSnapshots } from './page-snapshots.js';
import { validateAppointment } from './appointment-validation.js';
import { checkIfNoneExist } from './conditional-create.js';
import { LatencySwitch, parseLatencyUpdate } from './latency.js';
import { validatePatient } from './patient-validation.js';
import { RequestStats } from './request-stats.js';
import { FHIR_EMR_SEARCH_POLICY, parseSearch, runSearch, type SearchPolicy } from './search.js';
import { SubscriptionRegistry, type SubscriptionRetry } from './subscriptions.js';
import { parseAllowedHosts, WebhookTargetPolicy, type ResolveAll } from '../oncall/webhook-target.js';

export { createFhirEmrStore } from './fhir-store.js';
export type { FhirEmrStore, FhirEmrStoreOptions, FhirEmrType } from './fhir-store.js';

export interface FhirEmrSandboxOptions {
  /** Load the Synthea seed (default true). */
  seed?: boolean;
  /** When set, every request except `GET /metadata` needs `Authorization: Bearer <token>`. */
  bearerToken?: string;
  /** How long an `$export` job stays "in progress" (default 1000 ms). */
  exportDelayMs?: number;
  /** Offer Bulk Data `$export` (default true); false also removes it from the CapabilityStatement. */
  bulkExport?: boolean;
  /** Resources per NDJSON file before a type is split into several files (default 1000). */
  exportFileMaxResources?: number;
  /** Day the seed's past/future is relative to (default today, UTC). */
  anchorDate?: string | Date;
  /** Use this store instead of creating one (to share data with another module or a test). */
  store?: FhirEmrStore;
  /** Search rules (default: this EMR's, `_count` default 50 and max 1000). */
  searchPolicy?: SearchPolicy;
  /**
   * Hosts rest-hook Subscriptions may notify besides loopback addresses (as the OnCall
   * sandbox's webhooks). Default: SANDBOX_WEBHOOK_ALLOWED_HOSTS (comma-separated).
   */
  webhookAllowedHosts?: string[];
  /** How endpoint host names are resolved for that check (default: the system resolver). */
  webhookResolveAll?: ResolveAll;
  /** Retries of a failed notification (default SUBSCRIPTION_RETRY). */
  subscriptionRetry?: SubscriptionRetry;
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const FHIR_NDJSON = 'application/fhir+ndjson';
const STATUS_PATH = '/_bulk-status';
const FILES_PATH = '/_bulk-files';

function httpDate(iso: string | undefined): string | undefined {
  return iso ? new Date(iso).toUTCString() : undefined;
}

/** `Prefer` header tokens, lower-cased (https://www.rfc-editor.org/rfc/rfc7240). */
function preferences(request: FastifyRequest): string[] {
  const h = request.headers.prefer;
  const raw = Array.isArray(h) ? h.join(',') : (h ?? '');
  return raw
    .split(/[,;]/)
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/** Query parameters in order, repeats kept (AND semantics need them), whatever parser the host uses. */
function queryPairs(request: FastifyRequest): [string, string][] {
  const q = request.url.indexOf('?');
  return q < 0 ? [] : Array.from(new URLSearchParams(request.url.slice(q + 1)).entries());
}

function formPairs(body: unknown): [string, string][] {
  if (typeof body === 'string') return Array.from(new URLSearchParams(body).entries());
  if (body && typeof body === 'object') {
    // A host-level form parser may already have produced an object (arrays for repeats).
    return Object.entries(body as Record<string, unknown>).flatMap(([k, v]) =>
      (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, String(x)]),
    );
  }
  return [];
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m?.[1]) return false;
  const a = Buffer.from(m[1].trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A synthetic FHIR R4 EMR (read, search, Patient create/update, Bulk Data $export) for
 * integration tests and demos. Not wrapped in fastify-plugin on purpose: its parsers, error
 * and not-found handlers stay inside its prefix and never change the host app.
 */
export const fhirEmrSandbox: FastifyPluginAsync<FhirEmrSandboxOptions> = async (app, opts) => {
  const store = opts.store ?? createFhirEmrStore({ seed: opts.seed ?? true, anchorDate: opts.anchorDate });
  const policy = opts.searchPolicy ?? FHIR_EMR_SEARCH_POLICY;
  const bulkEnabled = opts.bulkExport ?? true;
  const snapshots = new PageSnapshots();
  const jobs = new ExportJobs(store, {
    delayMs: opts.exportDelayMs ?? 1000,
    maxResourcesPerFile: opts.exportFileMaxResources ?? 1000,
    retentionMs: 60 * 60_000,
  });
  const stats = new RequestStats();
  const latency = new LatencySwitch();
  const subscriptions = new SubscriptionRegistry(
    store,
    new WebhookTargetPolicy(opts.webhookAllowedHosts ?? parseAllowedHosts(process.env.SANDBOX_WEBHOOK_ALLOWED_HOSTS), opts.webhookResolveAll),
    opts.subscriptionRetry,
  );
  app.addHook('onClose', async () => subscriptions.close());
  const tracked = new WeakMap<FastifyRequest, { interaction: string; type?: string }>();
  const prefix = app.prefix;

  const baseUrl = (request: FastifyRequest): string => `${request.protocol}://${request.host}${prefix}`;
  const track = (request: FastifyRequest, interaction: string, type?: string): void => {
    tracked.set(request, { interaction, type });
  };
  const sendFhir = (reply: FastifyReply, status: number, body: unknown): FastifyReply =>
    reply.code(status).type(FHIR_JSON).send(body);

  const requireType = (type: string): FhirEmrType => {
    if (!isFhirEmrType(type)) throw OperationOutcomeError.of(404, 'not-supported', `Resource type not supported: ${type}`);
    return type;
  };

  // ---- parsers, scoped to this plugin -------------------------------------------------
  // Own JSON parsing so a malformed body gets an OperationOutcome that does not echo it.
  const parseJson = (_req: FastifyRequest, body: string, done: (err: Error | null, value?: unknown) => void): void => {
    if (body.trim() === '') return done(OperationOutcomeError.of(400, 'structure', 'Empty request body'));
    try {
      done(null, JSON.parse(body));
    } catch {
      done(OperationOutcomeError.of(400, 'structure', 'Request body is not valid JSON'));
    }
  };
  for (const ct of ['application/json', 'application/fhir+json', 'application/x-www-form-urlencoded']) {
    if (app.hasContentTypeParser(ct)) app.removeContentTypeParser(ct);
  }
  app.addContentTypeParser(['application/json', 'application/fhir+json'], { parseAs: 'string' }, parseJson);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  // ---- cross-cutting hooks and handlers --------------------------------------------------
  // First, so every FHIR answer (401s too) comes after the configured network time; admin never waits.
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith(`${prefix}/_admin/`)) await latency.wait();
  });

  app.addHook('onRequest', async (request, reply) => {
    if (!opts.bearerToken) return;
    if (request.method === 'GET' && (request.routeOptions.url === `${prefix}/metadata` || request.routeOptions.url === `${prefix}/`)) return;
    if (!tokenMatches(request.headers.authorization, opts.bearerToken)) {
      track(request, 'auth-failure');
      reply.header('www-authenticate', 'Bearer realm="fhir-emr-sandbox"');
      return sendFhir(reply, 401, outcome('error', 'login', 'Missing or invalid bearer token'));
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    const t = tracked.get(request);
    stats.record(t?.interaction ?? 'other', t?.type, reply.statusCode);
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (err instanceof OperationOutcomeError) {
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      return sendFhir(reply, err.status, err.outcome);
    }
    const status = err.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      // Fastify's own 4xx (unsupported media type, body too large...): their messages name
      // the rule broken, not the data.
      return sendFhir(reply, status, outcome('error', status === 415 ? 'not-supported' : 'invalid', err.message));
    }
    request.log.error({ code: err.code }, 'fhir-emr sandbox internal error');
    return sendFhir(reply, 500, outcome('fatal', 'exception', 'Internal server error'));
  });

  app.setNotFoundHandler((request, reply) => {
    track(request, 'unknown-route');
    return sendFhir(reply, 404, outcome('error', 'not-found', `No such endpoint: ${request.method} ${request.url.split('?')[0]}`));
  });

  // ---- metadata ---------------------------------------------------------------------------
  app.get('/metadata', async (request, reply) => {
    track(request, 'capabilities');
    return sendFhir(
      reply,
      200,
      buildCapabilityStatement(baseUrl(request), { bulkExport: bulkEnabled, bearerAuth: Boolean(opts.bearerToken), maxCount: policy.maxCount }),
    );
  });

  // What this sandbox is, at its own address (the start banner's link).
  if (prefix !== '') registerFhirEmrIndexRoute(app, prefix, { bulkExport: bulkEnabled, bearerAuth: Boolean(opts.bearerToken) });

  // ---- admin ------------------------------------------------------------------------------
  app.post('/_admin/reset', async (request, reply) => {
    track(request, 'admin-reset');
    store.reset();
    snapshots.clear();
    jobs.clear();
    stats.reset();
    latency.reset();
    await subscriptions.reset();
    return reply.code(200).send({ status: 'reset', resources: resourceCounts(store) });
  });

  app.get('/_admin/stats', async (request, reply) => {
    track(request, 'admin-stats');
    return reply.code(200).send({
      requests: stats.snapshot(),
      resources: resourceCounts(store),
      pageSnapshots: snapshots.size,
      exportJobs: jobs.size,
      subscriptions: { active: subscriptions.size, notifications: { ...subscriptions.stats } },
      anchorDate: store.anchorDate,
      faults: { latencyMs: latency.latencyMs },
    });
  });

  app.get('/_admin/faults', async (request, reply) => {
    track(request, 'admin-faults');
    return reply.code(200).send({ latencyMs: latency.latencyMs });
  });

  app.post('/_admin/faults', async (request, reply) => {
    track(request, 'admin-faults');
    const update = parseLatencyUpdate(request.body);
    if (update.latencyMs !== undefined) latency.set(update.latencyMs);
    return reply.code(200).send({ latencyMs: latency.latencyMs });
  });

  // ---- Bulk Data $export ----------------------------------------------------------------
  if (bulkEnabled) {
    const kickOff = (level: 'system' | 'patient') => async (request: FastifyRequest, reply: FastifyReply) => {
      track(request, `export-kickoff-${level}`);
      const prefer = preferences(request);
      if (!prefer.includes('respond-async')) {
        throw OperationOutcomeError.of(400, 'required', '$export requires the header Prefer: respond-async');
      }
      const job = jobs.kickOff({
        level,
        requestUrl: `${baseUrl(request)}${request.url.slice(prefix.length)}`,
        params: queryPairs(request),
        lenient: prefer.includes('handling=lenient'),
      });
      return reply
        .code(202)
        .header('content-location', `${baseUrl(request)}${STATUS_PATH}/${job.id}`)
        .type(FHIR_JSON)
        .send(outcome('information', 'processing', 'Export accepted; poll the Content-Location URL'));
    };
    app.get('/$export', kickOff('system'));
    app.get('/Patient/$export', kickOff('patient'));

    const findJob = (id: string): ExportJob => {
      const job = jobs.get(id);
      if (!job) throw OperationOutcomeError.of(404, 'not-found', 'Unknown, cancelled or expired export job');
      return job;
    };

    app.get<{ Params: { jobId: string } }>(`${STATUS_PATH}/:jobId`, async (request, reply) => {
      track(request, 'export-status');
      const job = findJob(request.params.jobId);
      const now = Date.now();
      if (now < job.readyAt) {
        const total = Math.max(1, job.readyAt - job.createdAt);
        const pct = Math.min(99, Math.floor(((now - job.createdAt) / total) * 100));
        return reply
          .code(202)
          .header('x-progress', `running: ${pct}%`)
          .header('retry-after', String(Math.max(1, Math.ceil((job.readyAt - now) / 1000))))
          .send();
      }
      const base = baseUrl(request);
      return reply
        .code(200)
        .header('expires', new Date(job.expiresAt).toUTCString())
        .type('application/json')
        .send({
          transactionTime: job.transactionTime,
          request: job.requestUrl,
          requiresAccessToken: Boolean(opts.bearerToken),
          output: job.files.map((f) => ({ type: f.type, url: `${base}${FILES_PATH}/${job.id}/${f.name}`, count: f.resources.length })),
          error: [],
        });
    });

    app.delete<{ Params: { jobId: string } }>(`${STATUS_PATH}/:jobId`, async (request, reply) => {
      track(request, 'export-delete');
      findJob(request.params.jobId);
      jobs.delete(request.params.jobId);
      return sendFhir(reply, 202, outcome('information', 'processing', 'Export job deleted'));
    });

    app.get<{ Params: { jobId: string; file: string } }>(`${FILES_PATH}/:jobId/:file`, async (request, reply) => {
      track(request, 'export-file');
      const job = findJob(request.params.jobId);
      if (Date.now() < job.readyAt) throw OperationOutcomeError.of(404, 'not-found', 'Export not complete');
      const file = job.files.find((f) => f.name === request.params.file);
      if (!file) throw OperationOutcomeError.of(404, 'not-found', 'Unknown export file');
      return reply.code(200).type(FHIR_NDJSON).send(Readable.from(ndjsonChunks(file.resources)));
    });
  }

  // ---- search -------------------------------------------------------------------------------
  const searchResponse = (request: FastifyRequest, reply: FastifyReply, type: FhirEmrType, params: [string, string][]) => {
    const base = baseUrl(request);
    const pageLink = (relation: string, token: string, offset: number, count: number): BundleLink => ({
      relation,
      url: `${base}/${type}?${new URLSearchParams({ _getpages: token, _getpagesoffset: String(offset), _count: String(count) })}`,
    });

    const getpages = params.find(([k]) => k === '_getpages')?.[1];
    let ids: readonly string[];
    let offset = 0;
    let count: number;
    let token: string | undefined;
    let selfLink: BundleLink;
    let summaryCount = false;

    if (getpages !== undefined) {
      const snap = snapshots.get(getpages);
      if (!snap) throw OperationOutcomeError.of(410, 'expired', 'Search result set expired; run the search again');
      if (snap.type !== type) throw OperationOutcomeError.of(400, 'invalid', 'Paging token belongs to another resource type');
      const rawOffset = params.find(([k]) => k === '_getpagesoffset')?.[1] ?? '0';
      const rawCount = params.find(([k]) => k === '_count')?.[1];
      if (!/^\d+$/.test(rawOffset) || (rawCount !== undefined && !/^\d+$/.test(rawCount))) {
        throw OperationOutcomeError.of(400, 'value', 'Invalid paging parameters');
      }
      ids = snap.ids;
      token = getpages;
      offset = Number(rawOffset);
      count = Math.min(policy.maxCount, rawCount === undefined ? snap.count : Number(rawCount));
      selfLink = pageLink('self', token, offset, count);
    } else {
      const parsed = parseSearch(type, params, { strict: preferences(request).includes('handling=strict'), policy });
      ids = runSearch(store.list(type), parsed).map((r) => r.id ?? '');
      count = parsed.count;
      summaryCount = parsed.summaryCount;
      const applied = new URLSearchParams(parsed.applied);
      applied.set('_count', String(count));
      selfLink = { relation: 'self', url: `${base}/${type}?${applied}` };
      if (!summaryCount && count > 0 && ids.length > count) token = snapshots.create(type, ids, count);
    }

    const bundle: Bundle = {
      resourceType: 'Bundle',
      id: randomUUID(),
      meta: { lastUpdated: new Date().toISOString() },
      type: 'searchset',
      total: ids.length,
      link: [selfLink],
    };
    if (token !== undefined && count > 0) {
      const links = bundle.link ?? [];
      links.push(pageLink('first', token, 0, count));
      if (offset > 0) links.push(pageLink('previous', token, Math.max(0, offset - count), count));
      if (offset + count < ids.length) links.push(pageLink('next', token, offset + count, count));
      links.push(pageLink('last', token, Math.floor((ids.length - 1) / count) * count, count));
    }
    if (!summaryCount && count > 0) {
      bundle.entry = ids
        .slice(offset, offset + count)
        .map((id) => store.get(type, id))
        .filter((r): r is Resource => r !== undefined)
        .map((resource) => ({ fullUrl: `${base}/${type}/${resource.id}`, resource, search: { mode: 'match' } }));
    }
    return sendFhir(reply, 200, bundle);
  };

  app.get<{ Params: { type: string } }>('/:type', async (request, reply) => {
    track(request, 'search-type', request.params.type);
    const type = requireType(request.params.type);
    return searchResponse(request, reply, type, queryPairs(request));
  });

  app.post<{ Params: { type: string } }>('/:type/_search', async (request, reply) => {
    track(request, 'search-type', request.params.type);
    const type = requireType(request.params.type);
    const ct = String(request.headers['content-type'] ?? '');
    if (request.body !== undefined && !ct.startsWith('application/x-www-form-urlencoded')) {
      throw OperationOutcomeError.of(415, 'not-supported', 'POST _search takes application/x-www-form-urlencoded');
    }
    // Parameters may be split between the URL and the body (https://hl7.org/fhir/R4/http.html#search).
    return searchResponse(request, reply, type, [...queryPairs(request), ...formPairs(request.body)]);
  });

  // ---- read / create / update -------------------------------------------------------------
  const sendResource = (reply: FastifyReply, status: number, resource: Resource): FastifyReply => {
    reply.header('etag', `W/"${resource.meta?.versionId ?? '1'}"`);
    const lm = httpDate(resource.meta?.lastUpdated);
    if (lm) reply.header('last-modified', lm);
    return sendFhir(reply, status, resource);
  };

  app.get<{ Params: { type: string; id: string } }>('/:type/:id', async (request, reply) => {
    track(request, 'read', request.params.type);
    const type = requireType(request.params.type);
    const resource = store.get(type, request.params.id);
    if (!resource) throw notFoundOrGone(type, request.params.id);
    return sendResource(reply, 200, resource);
  });

  // ---- history (https://hl7.org/fhir/R4/http.html#history, #vread) -----------------------------
  const historyEntry = (base: string, type: FhirEmrType, id: string, e: HistoryEntry): BundleEntry => ({
    fullUrl: `${base}/${type}/${id}`,
    ...(e.resource ? { resource: e.resource } : {}),
    request: { method: e.method, url: e.method === 'POST' ? type : `${type}/${id}` },
    response: { status: e.method === 'POST' ? '201 Created' : e.method === 'DELETE' ? '204 No Content' : '200 OK', etag: `W/"${e.versionId}"`, lastModified: e.lastUpdated },
  });

  app.get<{ Params: { type: string; id: string } }>('/:type/:id/_history', async (request, reply) => {
    track(request, 'history-instance', request.params.type);
    const type = requireType(request.params.type);
    const entries = store.history(type, request.params.id);
    if (entries.length === 0) throw OperationOutcomeError.of(404, 'not-found', `${type}/${request.params.id} not found`);
    const base = baseUrl(request);
    const bundle: Bundle = {
      resourceType: 'Bundle',
      id: randomUUID(),
      meta: { lastUpdated: new Date().toISOString() },
      type: 'history',
      total: entries.length,
      link: [{ relation: 'self', url: `${base}/${type}/${request.params.id}/_history` }],
      entry: entries.map((e) => historyEntry(base, type, request.params.id, e)),
    };
    return sendFhir(reply, 200, bundle);
  });

  app.get<{ Params: { type: string; id: string; vid: string } }>('/:type/:id/_history/:vid', async (request, reply) => {
    track(request, 'vread', request.params.type);
    const type = requireType(request.params.type);
    const entry = store.history(type, request.params.id).find((e) => e.versionId === request.params.vid);
    if (!entry) throw OperationOutcomeError.of(404, 'not-found', `${type}/${request.params.id} has no version ${request.params.vid}`);
    // A deleted version has no content (https://hl7.org/fhir/R4/http.html#vread): 410.
    if (!entry.resource) throw OperationOutcomeError.of(410, 'deleted', `${type}/${request.params.id} version ${request.params.vid} is a delete`);
    return sendResource(reply, 200, entry.resource);
  });

  const notFoundOrGone = (type: FhirEmrType, id: string): OperationOutcomeError =>
    store.isDeleted(type, id)
      ? OperationOutcomeError.of(410, 'deleted', `${type}/${id} has been deleted`)
      : OperationOutcomeError.of(404, 'not-found', `${type}/${id} not found`);

  const requireWritable = (type: FhirEmrType): void => {
    if (!WRITABLE_TYPES.includes(type)) {
      throw new OperationOutcomeError(405, outcome('error', 'not-supported', `${type} is read-only in this sandbox`), {
        allow: 'GET',
      });
    }
  };

  /** Create/update take FHIR JSON only (fastify would otherwise hand us text/plain as a string). */
  const requireJsonBody = (request: FastifyRequest): void => {
    const ct = String(request.headers['content-type'] ?? '').toLowerCase();
    if (!ct.startsWith('application/fhir+json') && !ct.startsWith('application/json')) {
      throw OperationOutcomeError.of(415, 'not-supported', 'Send the resource as application/fhir+json');
    }
  };

  const writeResponse = (request: FastifyRequest, reply: FastifyReply, status: number, resource: Resource): FastifyReply => {
    reply.header('location', `${baseUrl(request)}/${resource.resourceType}/${resource.id}/_history/${resource.meta?.versionId}`);
    if (preferences(request).includes('return=minimal')) {
      reply.header('etag', `W/"${resource.meta?.versionId}"`);
      return reply.code(status).send();
    }
    return sendResource(reply, status, resource);
  };

  app.post<{ Params: { type: string } }>('/:type', async (request, reply) => {
    track(request, 'create', request.params.type);
    const type = requireType(request.params.type);
    requireWritable(type);
    requireJsonBody(request);
    const resource = validateWrite(type, request.body);
    // Search and create run without an await between them: no other write can slip in.
    const condition = checkIfNoneExist(request.headers['if-none-exist'], type, store.list(type));
    if (condition.kind === 'exists') return writeResponse(request, reply, 200, condition.resource);
    // The server assigns the id on create (https://hl7.org/fhir/R4/http.html#create).
    const created = store.create({ ...resource, id: undefined });
    return writeResponse(request, reply, 201, created);
  });

  app.put<{ Params: { type: string; id: string } }>('/:type/:id', async (request, reply) => {
    track(request, 'update', request.params.type);
    const type = requireType(request.params.type);
    requireWritable(type);
    requireJsonBody(request);
    const written = validateWrite(type, request.body);
    if (written.id !== request.params.id) {
      throw OperationOutcomeError.of(400, 'invalid', 'Resource id must equal the id in the URL', [`${type}.id`]);
    }
    const version = ifMatchVersion(request);
    try {
      const { resource, created } = store.update({ ...written, id: request.params.id }, version);
      return writeResponse(request, reply, created ? 201 : 200, resource);
    } catch (e) {
      if (e instanceof VersionConflictError) {
        throw OperationOutcomeError.of(412, 'conflict', `If-Match does not match the current version (${e.currentVersion})`);
      }
      throw e;
    }
  });

  // Delete (https://hl7.org/fhir/R4/http.html#delete): a new, deleted version; idempotent.
  app.delete<{ Params: { type: string; id: string } }>('/:type/:id', async (request, reply) => {
    track(request, 'delete', request.params.type);
    const type = requireType(request.params.type);
    requireWritable(type);
    try {
      const entry = store.delete(type, request.params.id, ifMatchVersion(request));
      if (entry) reply.header('etag', `W/"${entry.versionId}"`);
      return reply.code(204).send();
    } catch (e) {
      if (e instanceof VersionConflictError) {
        throw OperationOutcomeError.of(412, 'conflict', `If-Match does not match the current version (${e.currentVersion})`);
      }
      throw e;
    }
  });

  // ---- Subscriptions (subscriptions.ts): sandbox-admin like the writes (see ../mount.ts) ----------
  app.post('/Subscription', async (request, reply) => {
    track(request, 'create', 'Subscription');
    requireJsonBody(request);
    const sub = await subscriptions.create(request.body, baseUrl(request));
    reply.header('location', `${baseUrl(request)}/Subscription/${sub.id}/_history/1`);
    return sendFhir(reply, 201, sub);
  });

  app.get('/Subscription', async (request, reply) => {
    track(request, 'search-type', 'Subscription');
    const base = baseUrl(request);
    const list = subscriptions.list();
    const bundle: Bundle = {
      resourceType: 'Bundle',
      id: randomUUID(),
      type: 'searchset',
      total: list.length,
      link: [{ relation: 'self', url: `${base}/Subscription` }],
      entry: list.map((resource) => ({ fullUrl: `${base}/Subscription/${resource.id}`, resource, search: { mode: 'match' } })),
    };
    return sendFhir(reply, 200, bundle);
  });

  app.get<{ Params: { id: string } }>('/Subscription/:id', async (request, reply) => {
    track(request, 'read', 'Subscription');
    const sub = subscriptions.get(request.params.id);
    if (!sub) throw OperationOutcomeError.of(404, 'not-found', `Subscription/${request.params.id} not found`);
    return sendFhir(reply, 200, sub);
  });

  app.delete<{ Params: { id: string } }>('/Subscription/:id', async (request, reply) => {
    track(request, 'delete', 'Subscription');
    subscriptions.delete(request.params.id);
    return reply.code(204).send();
  });
};

/** `If-Match: W/"3"` -> '3' (https://hl7.org/fhir/R4/http.html#concurrency). */
function ifMatchVersion(request: FastifyRequest): string | undefined {
  const ifMatch = request.headers['if-match'];
  return typeof ifMatch === 'string' ? /^(?:W\/)?"?([^"]+)"?$/.exec(ifMatch.trim())?.[1] : undefined;
}

function validateWrite(type: FhirEmrType, body: unknown): Resource & { id?: string } {
  return type === 'Appointment' ? validateAppointment(body) : validatePatient(body);
}

function resourceCounts(store: FhirEmrStore): Record<FhirEmrType, number> {
  return Object.fromEntries(FHIR_EMR_TYPES.map((t) => [t, store.count(t)])) as Record<FhirEmrType, number>;
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { CapabilityStatement, Resource } from '@medplum/fhirtypes';
import { Agent, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { createLogger, type Logger } from '../../logging/logger.js';
import { PartnerError } from '../partner-error.js';
import { CapabilityStatementSchema, ExportManifestSchema, SearchBundleSchema, type ExportManifest } from './fhir-schemas.js';
import { errorForTransport, FhirHttp, PARTNER, type RequestFacts } from './fhir-http.js';
import { ndjsonLines } from './ndjson-lines.js';
import { parseRetryAfter } from './retry-after.js';

export interface FhirReaderOptions {
  /** FHIR base URL, e.g. `http://127.0.0.1:3000/sandbox/fhir-emr`. */
  baseUrl: string;
  bearerToken?: string;
  /** Per request: time to response headers, and longest silence while a body streams (default 30 s). */
  timeoutMs?: number;
  /** Retries of one GET after a transient failure (default 3). */
  maxRetries?: number;
  logger?: Logger;
  /** First backoff step (default 250 ms); doubles per retry, full jitter. */
  retryBaseDelayMs?: number;
  /** Longest wait before a retry, Retry-After included; a longer Retry-After fails the call (default 30 s). */
  maxRetryDelayMs?: number;
  /** Replaces the reader's keep-alive Agent (tests, proxies). Not closed by close(). */
  dispatcher?: Dispatcher;
}

export interface BulkExportOptions {
  /** Only resources changed after this FHIR instant (`_since`). */
  since?: string;
  /** Wait between status polls when the server sends no Retry-After (default 1000 ms). */
  pollIntervalMs?: number;
  /** Give up on a job that is still running after this long (default 30 min). */
  maxWaitMs?: number;
}

/** Canonical URL of the system-level export operation (https://hl7.org/fhir/uv/bulkdata/). */
const BULK_EXPORT_DEFINITION = 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export';
const TYPE_RE = /^[A-Z][A-Za-z]{1,63}$/;

function checkType(type: string): string {
  if (!TYPE_RE.test(type)) throw new PartnerError(PARTNER, 'permanent', 'Invalid FHIR resource type name');
  return type;
}

/**
 * Reads a FHIR R4 server (an EMR): capabilities, read, paged search, and Bulk Data `$export`.
 * Only GETs, so every transient failure is retried; failures surface as PartnerError with a
 * message that names the operation and status, never resource content or search values.
 */
export class FhirReader {
  private readonly http: FhirHttp;
  private readonly base: string;
  private readonly origin: string;
  private readonly ownAgent: Agent | undefined;
  private readonly logger: Logger;
  private capabilityCache: Promise<CapabilityStatement> | undefined;

  constructor(opts: FhirReaderOptions) {
    const url = new URL(opts.baseUrl);
    this.base = url.href.replace(/\/+$/, '');
    this.origin = url.origin;
    this.logger = opts.logger ?? createLogger({ name: 'fhir-reader' });
    this.ownAgent = opts.dispatcher ? undefined : new Agent({ keepAliveTimeout: 10_000, connections: 8 });
    this.http = new FhirHttp({
      baseUrl: url,
      bearerToken: opts.bearerToken,
      timeoutMs: opts.timeoutMs ?? 30_000,
      maxRetries: opts.maxRetries ?? 3,
      retryBaseDelayMs: opts.retryBaseDelayMs ?? 250,
      maxRetryDelayMs: opts.maxRetryDelayMs ?? 30_000,
      dispatcher: opts.dispatcher ?? (this.ownAgent as Agent),
      logger: this.logger,
    });
  }

  /** Closes the reader's own connection pool. */
  async close(): Promise<void> {
    await this.ownAgent?.close();
  }

  /** `GET [base]/metadata`, fetched once per reader (a failed fetch is not cached). */
  capabilities(): Promise<CapabilityStatement> {
    this.capabilityCache ??= (async () => {
      const facts = { op: 'capabilities', target: 'metadata' };
      const res = await this.http.json(`${this.base}/metadata`, facts, { auth: true });
      this.parse(CapabilityStatementSchema, res.body, facts, 'a CapabilityStatement');
      return res.body as CapabilityStatement;
    })();
    this.capabilityCache.catch(() => {
      this.capabilityCache = undefined;
    });
    return this.capabilityCache;
  }

  /** True when the server advertises system-level Bulk Data `$export` in its CapabilityStatement. */
  async supportsBulkExport(): Promise<boolean> {
    const cs = await this.capabilities();
    return (cs.rest ?? []).some((rest) =>
      (rest.operation ?? []).some((op) => op.definition === BULK_EXPORT_DEFINITION || op.name === 'export'),
    );
  }

  /** `GET [base]/{type}/{id}`; a missing record is a 'permanent' PartnerError with status 404. */
  async read<T extends Resource>(type: string, id: string): Promise<T> {
    const facts = { op: 'read', target: `${checkType(type)}/${id}` };
    const res = await this.http.json(`${this.base}/${type}/${encodeURIComponent(id)}`, facts, { auth: true });
    const body = res.body as { resourceType?: unknown } | undefined;
    if (body?.resourceType !== type) {
      throw new PartnerError(PARTNER, 'permanent', `FHIR EMR returned something other than a ${type} for ${facts.op} ${facts.target}`);
    }
    return res.body as T;
  }

  /**
   * Every match of a search, page after page. Pages are reached only through the server's
   * `next` links (https://hl7.org/fhir/R4/http.html#paging): their format is the server's.
   */
  async *searchAll<T extends Resource>(
    type: string,
    params: Record<string, string>,
    opts: { pageSize?: number } = {},
  ): AsyncGenerator<T> {
    checkType(type);
    const query = new URLSearchParams(params);
    if (opts.pageSize !== undefined) query.set('_count', String(opts.pageSize));
    const qs = query.toString();
    let url: string | undefined = `${this.base}/${type}${qs ? `?${qs}` : ''}`;
    const seen = new Set<string>();
    let page = 0;
    let matches = 0;
    while (url !== undefined) {
      if (seen.has(url)) throw new PartnerError(PARTNER, 'permanent', `FHIR EMR paging for ${type} loops back to an earlier page`);
      seen.add(url);
      page++;
      const facts = { op: 'search', target: `${type} page ${page}` };
      const res = await this.http.json(url, facts, { auth: true });
      const bundle = this.parse(SearchBundleSchema, res.body, facts, 'a searchset Bundle');
      for (const entry of bundle.entry ?? []) {
        // Included resources and OperationOutcomes are not matches (search.mode).
        if (entry.search?.mode !== undefined && entry.search.mode !== 'match') continue;
        if (entry.resource?.resourceType !== type) continue;
        matches++;
        yield entry.resource as unknown as T;
      }
      const next = bundle.link?.find((l) => l.relation === 'next')?.url;
      url = next === undefined ? undefined : this.sameOriginUrl(next, facts);
    }
    this.logger.debug({ partner: PARTNER, op: 'search', type, pages: page, matches }, 'FHIR search complete');
  }

  /**
   * Bulk Data export (https://hl7.org/fhir/uv/bulkdata/export.html): kick-off, poll the
   * status URL honouring Retry-After, then stream each NDJSON file line by line. The job is
   * deleted on the server afterwards, or cancelled if the caller stops early.
   */
  async *bulkExport<T extends Resource>(types: string[], opts: BulkExportOptions = {}): AsyncGenerator<T> {
    types.forEach(checkType);
    const query = new URLSearchParams();
    if (types.length > 0) query.set('_type', types.join(','));
    if (opts.since !== undefined) query.set('_since', opts.since);
    const qs = query.toString();
    const kickFacts = { op: 'export kick-off', target: types.join(',') || 'all types' };
    const kick = await this.http.json(`${this.base}/$export${qs ? `?${qs}` : ''}`, kickFacts, {
      auth: true,
      headers: { prefer: 'respond-async' },
    });
    const location = kick.headers['content-location'];
    const statusHeader = Array.isArray(location) ? location[0] : location;
    if (kick.status !== 202 || !statusHeader) {
      throw new PartnerError(PARTNER, 'permanent', `FHIR EMR did not start an export (HTTP ${kick.status}, no Content-Location)`, {
        status: kick.status,
      });
    }
    const statusUrl = this.sameOriginUrl(statusHeader, kickFacts);
    try {
      const manifest = await this.awaitManifest(statusUrl, opts);
      const wanted = new Set(types);
      if ((manifest.error ?? []).length > 0) {
        this.logger.warn({ partner: PARTNER, op: 'export', errorFiles: manifest.error?.length }, 'FHIR export reported errors');
      }
      this.logger.info(
        { partner: PARTNER, op: 'export', files: manifest.output.length, resources: manifest.output.reduce((n, o) => n + (o.count ?? 0), 0) },
        'FHIR export ready',
      );
      for (const [i, file] of manifest.output.entries()) {
        if (wanted.size > 0 && !wanted.has(file.type)) continue;
        yield* this.streamExportFile<T>(file.url, file.type, i + 1, manifest.requiresAccessToken);
      }
    } finally {
      // Done or abandoned: either way the server may drop the job and its files.
      await this.deleteQuietly(statusUrl);
    }
  }

  /**
   * All resources of a type: through `$export` when the server offers it (and `preferBulk`
   * is not false), else by paged search. An export the server then refuses outright falls
   * back to search, as long as nothing was yielded yet.
   */
  async *readAll<T extends Resource>(type: string, opts: { preferBulk?: boolean; pageSize?: number } = {}): AsyncGenerator<T> {
    if ((opts.preferBulk ?? true) && (await this.supportsBulkExport())) {
      let yielded = false;
      try {
        for await (const r of this.bulkExport<T>([type])) {
          yielded = true;
          yield r;
        }
        return;
      } catch (err) {
        if (yielded || !(err instanceof PartnerError) || err.kind !== 'permanent') throw err;
        this.logger.warn({ partner: PARTNER, op: 'export', type, status: err.status }, 'FHIR export refused, falling back to search');
      }
    }
    yield* this.searchAll<T>(type, {}, opts.pageSize === undefined ? {} : { pageSize: opts.pageSize });
  }

  // ---- internals -------------------------------------------------------------------------

  private async awaitManifest(statusUrl: string, opts: BulkExportOptions): Promise<ExportManifest> {
    const facts = { op: 'export status', target: 'job' };
    const deadline = Date.now() + (opts.maxWaitMs ?? 30 * 60_000);
    for (let poll = 1; ; poll++) {
      const res = await this.http.json(statusUrl, facts, { auth: true });
      if (res.status === 200) return this.parse(ExportManifestSchema, res.body, facts, 'an export manifest');
      if (res.status !== 202) {
        throw new PartnerError(PARTNER, 'permanent', `FHIR EMR export status answered HTTP ${res.status}`, { status: res.status });
      }
      const progress = res.headers['x-progress'];
      const waitMs = parseRetryAfter(res.headers['retry-after']) ?? opts.pollIntervalMs ?? 1000;
      if (Date.now() + waitMs > deadline) {
        throw new PartnerError(PARTNER, 'transient', 'FHIR EMR export did not complete in the allowed time');
      }
      this.logger.debug({ partner: PARTNER, op: 'export', poll, progress, waitMs }, 'FHIR export still running');
      await sleep(waitMs);
    }
  }

  /**
   * One NDJSON file, parsed line by line as bytes arrive. A connection lost mid-file is
   * retried by downloading the file again and skipping the lines already yielded, so the
   * caller sees each resource once.
   */
  private async *streamExportFile<T extends Resource>(url: string, type: string, fileNo: number, requiresAccessToken: boolean): AsyncGenerator<T> {
    const facts: RequestFacts = { op: 'export download', target: `${type} file ${fileNo}` };
    // The manifest says whether file URLs need the token; never send it to another origin unasked.
    const auth = requiresAccessToken || new URL(url).origin === this.origin;
    let done = 0;
    for (let attempt = 0; ; attempt++) {
      const res = await this.http.stream(url, facts, { auth }, 'application/fhir+ndjson');
      let line = 0;
      try {
        for await (const text of ndjsonLines(res.body)) {
          line++;
          if (line <= done) continue;
          let resource: unknown;
          try {
            resource = JSON.parse(text);
          } catch {
            throw new PartnerError(PARTNER, 'permanent', `FHIR EMR export ${type} file ${fileNo} has an invalid JSON line (${line})`);
          }
          if ((resource as { resourceType?: unknown } | null)?.resourceType !== type) {
            throw new PartnerError(PARTNER, 'permanent', `FHIR EMR export ${type} file ${fileNo} line ${line} is not a ${type}`);
          }
          done = line;
          yield resource as T;
        }
        return;
      } catch (err) {
        if (err instanceof PartnerError) throw err;
        if ((err as { code?: unknown }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
          throw new PartnerError(PARTNER, 'permanent', `FHIR EMR export ${type} file ${fileNo} is not valid UTF-8`);
        }
        const e = errorForTransport(err, facts);
        if (attempt >= 3) throw e;
        await sleep(250 * 2 ** attempt);
        this.logger.warn({ partner: PARTNER, op: facts.op, target: facts.target, linesDone: done, attempt: attempt + 1 }, 'FHIR export download interrupted, resuming');
      } finally {
        // Releases the socket when the caller stops early or a line was rejected.
        await res.body.dump().catch(() => undefined);
      }
    }
  }

  private async deleteQuietly(statusUrl: string): Promise<void> {
    try {
      await this.http.json(statusUrl, { op: 'export delete', target: 'job' }, { method: 'DELETE', auth: true, maxRetries: 0 });
    } catch (err) {
      // A server that already dropped the job (404) or does not support DELETE changes nothing for us.
      this.logger.debug({ partner: PARTNER, op: 'export delete', status: (err as PartnerError).status }, 'FHIR export delete failed');
    }
  }

  /** Resolves a server-given link; refuses other origins so the token never leaves the EMR. */
  private sameOriginUrl(link: string, facts: RequestFacts): string {
    let url: URL;
    try {
      url = new URL(link, `${this.base}/`);
    } catch {
      throw new PartnerError(PARTNER, 'permanent', `FHIR EMR sent an invalid link during ${facts.op}`);
    }
    if (url.origin !== this.origin) {
      throw new PartnerError(PARTNER, 'permanent', `FHIR EMR sent a link to another origin during ${facts.op}; not followed`);
    }
    return url.href;
  }

  private parse<S extends z.ZodType>(schema: S, body: unknown, facts: RequestFacts, what: string): z.infer<S> {
    const r = schema.safeParse(body);
    if (!r.success) throw new PartnerError(PARTNER, 'permanent', `FHIR EMR did not return ${what} for ${facts.op} ${facts.target}`);
    return r.data;
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';
import type { Logger } from '../../logging/logger.js';
import { PartnerError } from '../partner-error.js';
import { OperationOutcomeCodesSchema, OperationOutcomeIssuesSchema } from './fhir-schemas.js';
import { parseRetryAfter } from './retry-after.js';

export const PARTNER = 'fhir-emr';

/** What a request was for, in words safe to log: never a query string (it can hold names). */
export interface RequestFacts {
  op: string;
  target: string;
}

/** Statuses worth repeating a GET for: the server did not process it, or may succeed soon. */
const RETRY_STATUSES = new Set([408, 429, 502, 503, 504]);

/** Exactly this message for 401/403: the token is wrong, every further call would fail too. */
export function authMessage(status: number): string {
  return `FHIR EMR rejected the credentials (HTTP ${status}): check the bearer token`;
}

function issueCodes(bodyText: string): string {
  try {
    const parsed = OperationOutcomeCodesSchema.safeParse(JSON.parse(bodyText));
    const codes = parsed.success ? (parsed.data.issue ?? []).map((i) => i.code).filter(Boolean) : [];
    // Codes only: an OperationOutcome's diagnostics may quote the record.
    return codes.length > 0 ? ` [${[...new Set(codes)].join(', ')}]` : '';
  } catch {
    return '';
  }
}

export function errorForStatus(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  bodyText: string,
  facts: RequestFacts,
): PartnerError {
  if (status === 401 || status === 403) return new PartnerError(PARTNER, 'auth', authMessage(status), { status });
  const where = `${facts.op} ${facts.target}`;
  const retryAfterMs = parseRetryAfter(headers['retry-after']);
  const codes = issueCodes(bodyText);
  if (RETRY_STATUSES.has(status) || status >= 500) {
    return new PartnerError(PARTNER, 'transient', `FHIR EMR answered HTTP ${status} to ${where}${codes}`, {
      status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  return new PartnerError(PARTNER, 'permanent', `FHIR EMR answered HTTP ${status} to ${where}${codes}`, { status });
}

export function errorForTransport(err: unknown, facts: RequestFacts): PartnerError {
  const code = (err as { code?: unknown } | null)?.code;
  const label = typeof code === 'string' ? code : err instanceof Error ? err.name : 'error';
  // Reads are idempotent, so a failure after the request left us is as retryable as before.
  return new PartnerError(PARTNER, 'transient', `FHIR EMR could not be reached for ${facts.op} ${facts.target} (${label})`, {
    cause: err,
  });
}

/** Transport failures that happen before a request can have left us (no socket, no route). */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * A write's transport failure: 'transient' when the request cannot have been sent, else
 * 'ambiguous' (a timeout or reset after sending: the EMR may have applied it, so the caller
 * looks the record up before sending again; see src/partners/partner-error.ts).
 */
export function errorForWriteTransport(err: unknown, facts: RequestFacts): PartnerError {
  const code = (err as { code?: unknown } | null)?.code;
  const label = typeof code === 'string' ? code : err instanceof Error ? err.name : 'error';
  if (typeof code === 'string' && NOT_SENT_CODES.has(code)) {
    return new PartnerError(PARTNER, 'transient', `FHIR EMR could not be reached for ${facts.op} ${facts.target} (${label}); nothing was sent`, {
      cause: err,
    });
  }
  return new PartnerError(PARTNER, 'ambiguous', `FHIR EMR gave no complete answer to ${facts.op} ${facts.target} (${label}); it may have been applied`, {
    cause: err,
  });
}

/**
 * Codes and paths of an OperationOutcome, never its diagnostics (they may quote the record).
 * Quoted literals inside FHIRPath expressions (`name.where(family='…')`) are masked too.
 */
export function outcomeSummary(bodyText: string): string {
  try {
    const parsed = OperationOutcomeIssuesSchema.safeParse(JSON.parse(bodyText));
    if (!parsed.success) return '';
    const parts = (parsed.data.issue ?? []).slice(0, 10).map((i) => {
      const paths = (i.expression ?? i.location ?? []).slice(0, 3).map((p) => p.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "'…'"));
      return `${i.code ?? 'unknown'}${paths.length > 0 ? ` at ${paths.join(', ')}` : ''}`;
    });
    return parts.length > 0 ? `: ${[...new Set(parts)].join('; ')}` : '';
  } catch {
    return '';
  }
}

/**
 * A write's HTTP failure. Differs from a read's in two ways: a 5xx other than 503 may come
 * after the EMR applied the write ('ambiguous'), and a refusal names the issue codes and the
 * paths of the offending elements so a person can fix the record (values never appear).
 * 412/409 on an update mean the record changed since it was read: 'transient', the next
 * attempt reads it again.
 */
export function errorForWriteStatus(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  bodyText: string,
  facts: RequestFacts,
): PartnerError {
  const where = `${facts.op} ${facts.target}`;
  if (status === 401 || status === 403) return new PartnerError(PARTNER, 'auth', authMessage(status), { status });
  const retryAfterMs = parseRetryAfter(headers['retry-after']);
  const retry = retryAfterMs === undefined ? {} : { retryAfterMs };
  if (status === 429 || status === 503 || status === 408) {
    return new PartnerError(PARTNER, 'transient', `FHIR EMR did not take ${where} now (HTTP ${status})`, { status, ...retry });
  }
  if (status >= 500 && status !== 501 && status !== 505) {
    return new PartnerError(PARTNER, 'ambiguous', `FHIR EMR failed (HTTP ${status}) on ${where}; it may have been applied`, { status, ...retry });
  }
  if ((status === 412 || status === 409) && facts.op.startsWith('update')) {
    return new PartnerError(PARTNER, 'transient', `FHIR EMR refused ${where} (HTTP ${status}): the record changed since it was read`, { status });
  }
  return new PartnerError(PARTNER, 'permanent', `FHIR EMR refused ${where} (HTTP ${status})${outcomeSummary(bodyText)}`, { status });
}

export function isRetryable(e: PartnerError): boolean {
  return e.kind === 'transient' && (e.status === undefined || RETRY_STATUSES.has(e.status));
}

export interface FhirHttpConfig {
  /** A function when the address is known only later (a server on the engine's own port). */
  baseUrl: URL | (() => URL);
  bearerToken: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  maxRetryDelayMs: number;
  dispatcher: Dispatcher;
  logger: Logger;
}

export interface JsonResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface StreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Uint8Array> & { dump(): Promise<void> };
}

interface SendOptions {
  method?: 'GET' | 'DELETE' | 'POST' | 'PUT';
  /** Request body (JSON text) for POST and PUT. */
  body?: string;
  /**
   * A write: transport failures after sending and 5xx are 'ambiguous', refusals carry issue
   * codes and paths (errorForWriteTransport, errorForWriteStatus).
   */
  write?: boolean;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Send the bearer token (same-origin URLs; export files only when the manifest asks). */
  auth: boolean;
  maxRetries?: number;
}

/**
 * GETs with retries and one failure classification for the FHIR reader. Retries cover
 * 408/429/502/503/504 and transport errors, with exponential backoff and full jitter, or
 * exactly the server's Retry-After when it sends one.
 */
export class FhirHttp {
  constructor(private readonly cfg: FhirHttpConfig) {}

  get baseUrl(): URL {
    return typeof this.cfg.baseUrl === 'function' ? this.cfg.baseUrl() : this.cfg.baseUrl;
  }

  private headersFor(opts: SendOptions, accept: string): Record<string, string> {
    const h: Record<string, string> = { accept, ...opts.headers };
    if (opts.auth && this.cfg.bearerToken) h.authorization = `Bearer ${this.cfg.bearerToken}`;
    return h;
  }

  private async send(url: string, opts: SendOptions, accept: string, facts: RequestFacts): Promise<Dispatcher.ResponseData> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: opts.method ?? 'GET',
        headers: this.headersFor(opts, accept),
        dispatcher: this.cfg.dispatcher,
        headersTimeout: this.cfg.timeoutMs,
        bodyTimeout: this.cfg.timeoutMs,
        ...(opts.body === undefined ? {} : { body: opts.body }),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch (err) {
      throw opts.write ? errorForWriteTransport(err, facts) : errorForTransport(err, facts);
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    let text = '';
    try {
      text = await res.body.text();
    } catch {
      // The status alone classifies the failure.
    }
    throw opts.write ? errorForWriteStatus(res.statusCode, res.headers, text, facts) : errorForStatus(res.statusCode, res.headers, text, facts);
  }

  async withRetries<T>(facts: RequestFacts, fn: () => Promise<T>, maxRetries = this.cfg.maxRetries, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const e = err instanceof PartnerError ? err : errorForTransport(err, facts);
        if (!isRetryable(e) || attempt >= maxRetries || signal?.aborted) throw e;
        const backoff = Math.min(this.cfg.maxRetryDelayMs, this.cfg.retryBaseDelayMs * 2 ** attempt) * Math.random();
        const delayMs = e.retryAfterMs ?? backoff;
        if (delayMs > this.cfg.maxRetryDelayMs) throw e; // Longer than we wait in-line: let the job reschedule.
        this.cfg.logger.warn(
          { partner: PARTNER, op: facts.op, target: facts.target, status: e.status, attempt: attempt + 1, delayMs: Math.round(delayMs) },
          'FHIR EMR request failed, retrying',
        );
        await sleep(delayMs);
      }
    }
  }

  /** A JSON exchange, body read inside the retry loop (a reset mid-body is retried too). */
  async json(url: string, facts: RequestFacts, opts: SendOptions): Promise<JsonResponse> {
    return this.withRetries(
      facts,
      async () => {
        const res = await this.send(url, opts, 'application/fhir+json, application/json;q=0.9', facts);
        let text: string;
        try {
          text = await res.body.text();
        } catch (err) {
          // A write whose answer broke off mid-body was applied, but we lack its outcome.
          throw opts.write ? errorForWriteTransport(err, facts) : errorForTransport(err, facts);
        }
        let body: unknown;
        if (text.trim() !== '') {
          try {
            body = JSON.parse(text);
          } catch {
            throw new PartnerError(PARTNER, 'permanent', `FHIR EMR sent a body that is not JSON for ${facts.op} ${facts.target}`, {
              status: res.statusCode,
            });
          }
        }
        return { status: res.statusCode, headers: res.headers, body };
      },
      opts.maxRetries,
      opts.signal,
    );
  }

  /** A streamed GET: retried until a 2xx status arrives; the caller consumes the body. */
  async stream(url: string, facts: RequestFacts, opts: SendOptions, accept: string): Promise<StreamResponse> {
    return this.withRetries(facts, async () => {
      const res = await this.send(url, opts, accept, facts);
      return { status: res.statusCode, headers: res.headers, body: res.body };
    });
  }
}

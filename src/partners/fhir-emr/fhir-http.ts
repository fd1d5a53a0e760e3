import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';
import type { Logger } from '../../logging/logger.js';
import { PartnerError } from '../partner-error.js';
import { OperationOutcomeCodesSchema } from './fhir-schemas.js';
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

export function isRetryable(e: PartnerError): boolean {
  return e.kind === 'transient' && (e.status === undefined || RETRY_STATUSES.has(e.status));
}

export interface FhirHttpConfig {
  baseUrl: URL;
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
  method?: 'GET' | 'DELETE';
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
    return this.cfg.baseUrl;
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
      });
    } catch (err) {
      throw errorForTransport(err, facts);
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    let text = '';
    try {
      text = await res.body.text();
    } catch {
      // The status alone classifies the failure.
    }
    throw errorForStatus(res.statusCode, res.headers, text, facts);
  }

  async withRetries<T>(facts: RequestFacts, fn: () => Promise<T>, maxRetries = this.cfg.maxRetries): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const e = err instanceof PartnerError ? err : errorForTransport(err, facts);
        if (!isRetryable(e) || attempt >= maxRetries) throw e;
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
          throw errorForTransport(err, facts);
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

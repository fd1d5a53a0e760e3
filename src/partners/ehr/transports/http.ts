import { Agent, request, type Dispatcher } from 'undici';
import { PartnerError, type FailureKind } from '../../partner-error.js';
import type { RenderedEhrPayload } from '../formats/index.js';

/**
 * POST a rendered document (JSON usually; HL7 works too with its media type) to an EHR's
 * HTTP endpoint. `Idempotency-Key` is the transaction id, so a resend after an ambiguous
 * failure can be recognised by the receiver.
 *
 * Classification (partner-error.ts):
 * - 2xx delivered;
 * - 408, 429, 503 transient (Retry-After honoured when given);
 * - 401, 403 auth; other 4xx permanent;
 * - other 5xx ambiguous (the write may have happened);
 * - connection refused / DNS / connect timeout transient (nothing sent);
 * - response timeout or connection lost after sending ambiguous.
 */
export interface HttpTransportOptions {
  url: string;
  /** Time allowed for the response headers, and then between body chunks. */
  timeoutMs: number;
  connectTimeoutMs?: number;
  /** Extra headers (e.g. authorization). Content-Type and Idempotency-Key are set here. */
  headers?: Record<string, string>;
  /** A pool, a proxy agent, or undici's MockAgent in tests. */
  dispatcher?: Dispatcher;
  partner?: string;
}

export interface HttpDelivery {
  transport: 'http';
  controlId: string;
  status: number;
  /** Response body (text, at most 64 KB) for the delivery record. */
  responseText: string;
}

/** A non-2xx answer; the body (truncated) is kept out of the message, it may echo PHI. */
export class EhrHttpError extends PartnerError {
  readonly responseText: string;

  constructor(partner: string, kind: FailureKind, status: number, responseText: string, retryAfterMs?: number) {
    super(partner, kind, `EHR HTTP endpoint answered ${status}`, { status, retryAfterMs });
    this.name = 'EhrHttpError';
    this.responseText = responseText;
  }
}

const MAX_RESPONSE_TEXT = 64 * 1024;
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

const agents = new Map<number, Agent>();
function agentFor(connectTimeoutMs: number): Agent {
  let agent = agents.get(connectTimeoutMs);
  if (!agent) {
    agent = new Agent({ connect: { timeout: connectTimeoutMs } });
    agents.set(connectTimeoutMs, agent);
  }
  return agent;
}

export async function deliverOverHttp(opts: HttpTransportOptions, payload: RenderedEhrPayload): Promise<HttpDelivery> {
  const partner = opts.partner ?? 'ehr-http';
  let res: Dispatcher.ResponseData;
  try {
    res = await request(opts.url, {
      method: 'POST',
      body: payload.main.bytes,
      headers: {
        ...opts.headers,
        'content-type': payload.mediaType,
        'idempotency-key': payload.controlId,
      },
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      dispatcher: opts.dispatcher ?? agentFor(opts.connectTimeoutMs ?? 10_000),
    });
  } catch (err) {
    const code = errorCode(err);
    const kind: FailureKind = CONNECT_ERRORS.has(code) ? 'transient' : 'ambiguous';
    throw new PartnerError(partner, kind, `EHR HTTP request failed (${code || (err as Error).message})`, { cause: err });
  }

  let text: string;
  try {
    text = truncate(await res.body.text());
  } catch (err) {
    if (res.statusCode >= 200 && res.statusCode < 300) text = '';
    else throw new PartnerError(partner, 'ambiguous', `EHR HTTP response lost (${errorCode(err)})`, { status: res.statusCode, cause: err });
  }

  const status = res.statusCode;
  if (status >= 200 && status < 300) return { transport: 'http', controlId: payload.controlId, status, responseText: text };
  const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
  throw new EhrHttpError(partner, classifyStatus(status), status, text, retryAfterMs);
}

export function classifyStatus(status: number): FailureKind {
  if (status === 408 || status === 429 || status === 503) return 'transient';
  if (status === 401 || status === 403) return 'auth';
  if (status >= 400 && status < 500) return 'permanent';
  return 'ambiguous';
}

function errorCode(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string } };
  return e.code ?? e.cause?.code ?? '';
}

function truncate(text: string): string {
  return text.length > MAX_RESPONSE_TEXT ? text.slice(0, MAX_RESPONSE_TEXT) : text;
}

export function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

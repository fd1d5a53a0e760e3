import { PartnerError } from '../partner-error.js';
import { FieldErrorsBodySchema, type FieldErrorTree } from './schemas.js';
import type { SendError } from './send-once.js';

/**
 * Turns an OnCall answer or a transport failure into one PartnerError kind
 * (src/partners/partner-error.ts). Retry policy in the client reads only the kind.
 *
 * Idempotent requests (GET, and PATCH: the same body twice gives the same object) may be
 * repeated after any failure that is not the partner refusing the content, so their
 * "may have happened" failures are transient. A POST that may have happened is ambiguous.
 */

export const PARTNER = 'oncall';

export interface RequestFacts {
  method: string;
  /** Path without query string: the query can hold e-mails and names. */
  path: string;
  idempotent: boolean;
}

/** Exactly this message for 401/403, whatever the record: the key is wrong, nothing else. */
export function authMessage(status: number): string {
  return `OnCall Health rejected the API key (HTTP ${status})`;
}

const NEVER_SENT_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_DESTROYED', 'UND_ERR_CLOSED', 'UND_ERR_NOT_SUPPORTED']);

export function errorForSend(err: SendError, req: RequestFacts): PartnerError {
  const where = `${req.method} ${req.path}`;
  if (err.code && NEVER_SENT_CODES.has(err.code)) {
    return new PartnerError(PARTNER, 'permanent', `OnCall client could not send ${where} (${err.code})`, { cause: err });
  }
  if (!err.sent) {
    return new PartnerError(
      PARTNER,
      'transient',
      `OnCall Health could not be reached for ${where} (${err.code ?? 'connection failed'}); nothing was sent`,
      { cause: err },
    );
  }
  const what = err.timedOut ? 'gave no complete answer in time' : `dropped the connection (${err.code ?? 'closed'})`;
  if (req.idempotent) {
    return new PartnerError(PARTNER, 'transient', `OnCall Health ${what} for ${where}`, { cause: err });
  }
  return new PartnerError(
    PARTNER,
    'ambiguous',
    `OnCall Health ${what} after ${where} was sent; it may have been applied`,
    { cause: err },
  );
}

export function errorForResponse(
  res: { status: number; headers: Record<string, string>; bodyText: string },
  req: RequestFacts,
  submitted?: unknown,
): PartnerError {
  const { status } = res;
  const where = `${req.method} ${req.path}`;
  const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
  const withRetry = retryAfterMs === undefined ? {} : { retryAfterMs };

  if (status === 401 || status === 403) {
    return new PartnerError(PARTNER, 'auth', authMessage(status), { status });
  }
  if (status === 429) {
    return new PartnerError(PARTNER, 'transient', `OnCall Health is rate limiting requests (HTTP 429) on ${where}`, {
      status,
      ...withRetry,
    });
  }
  // 503 and 408: the server refused before doing the work (Django, the emulator).
  if (status === 503 || status === 408) {
    return new PartnerError(PARTNER, 'transient', `OnCall Health is unavailable (HTTP ${status}) on ${where}`, {
      status,
      ...withRetry,
    });
  }
  if (status >= 400 && status < 500) {
    const fieldErrors = status === 404 ? undefined : fieldErrorsOf(res.bodyText, submitted);
    const detail = fieldErrors ? `: ${describeFieldErrors(fieldErrors)}` : '';
    const what = status === 404 ? 'found no such object' : 'rejected the request';
    return new PartnerError(PARTNER, 'permanent', `OnCall Health ${what} (HTTP ${status}) on ${where}${detail}`, {
      status,
      ...(fieldErrors ? { fieldErrors } : {}),
    });
  }
  if (status === 501 || status === 505) {
    return new PartnerError(PARTNER, 'permanent', `OnCall Health does not support ${where} (HTTP ${status})`, { status });
  }
  if (status >= 500) {
    if (req.idempotent) {
      return new PartnerError(PARTNER, 'transient', `OnCall Health failed (HTTP ${status}) on ${where}`, {
        status,
        ...withRetry,
      });
    }
    return new PartnerError(
      PARTNER,
      'ambiguous',
      `OnCall Health failed (HTTP ${status}) on ${where}; it may have been applied`,
      { status },
    );
  }
  return new PartnerError(PARTNER, 'permanent', `OnCall Health answered HTTP ${status} on ${where}`, { status });
}

/** Retry-After is delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** "email: Enter a valid email address.; participants[0].name: This field is required." */
export function describeFieldErrors(fieldErrors: Record<string, string[]>): string {
  return Object.entries(fieldErrors)
    .map(([field, messages]) => `${field}: ${messages.join(' ')}`)
    .join('; ');
}

/**
 * Field errors from a Django-REST 400 body, flattened (`participants[0].email`) and scrubbed:
 * partner messages sometimes quote the rejected input (`"x" is not a valid choice.`), and the
 * input is patient data, so quoted text, e-mail addresses and any value we submitted are masked.
 */
export function fieldErrorsOf(bodyText: string, submitted?: unknown): Record<string, string[]> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    return undefined;
  }
  const parsed = FieldErrorsBodySchema.safeParse(json);
  if (!parsed.success) return undefined;
  const values = submittedStrings(submitted);
  const out: Record<string, string[]> = {};
  const walk = (tree: FieldErrorTree, path: string): void => {
    if (typeof tree === 'string') {
      (out[path || 'non_field_errors'] ??= []).push(scrub(tree, values));
    } else if (Array.isArray(tree)) {
      // An array of strings is one field's messages; an array of objects is a nested list.
      tree.forEach((item, i) => walk(item, typeof item === 'string' ? path : `${path}[${i}]`));
    } else {
      for (const [key, sub] of Object.entries(tree)) walk(sub, path ? `${path}.${key}` : key);
    }
  };
  walk(parsed.data, '');
  return Object.keys(out).length > 0 ? out : undefined;
}

function submittedStrings(value: unknown, out: string[] = []): string[] {
  // Numbers we send are fees and durations, not patient data: only strings are masked.
  if (typeof value === 'string' && value.trim().length >= 2) out.push(value.trim());
  else if (Array.isArray(value)) value.forEach((v) => submittedStrings(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => submittedStrings(v, out));
  // Longest first so a value containing another is masked whole.
  return out.sort((a, b) => b.length - a.length);
}

function scrub(message: string, values: string[]): string {
  let text = message
    .replace(/"[^"]*"/g, '"…"')
    .replace(/“[^”]*”/g, '"…"')
    .replace(/[^\s@'"]+@[^\s@'"]+\.[^\s@'".,;]+/g, '[email]');
  for (const v of values) {
    if (v.length >= 2) text = text.split(v).join('[value]');
  }
  return text;
}

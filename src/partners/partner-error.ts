/**
 * Every failure of a call to a partner system is classified once, where it happens, and retry
 * policy reads only the classification:
 * - transient: nothing happened on the partner side (connection refused, 429, 503 before
 *   processing); safe to retry the same request after a delay.
 * - ambiguous: the request may have been applied (timeout after sending, reset mid-response,
 *   5xx on a write). Never retried blindly: resolved by looking the record up.
 * - permanent: the partner refused the content (4xx validation); retrying changes nothing.
 * - auth: the credentials are wrong (401/403); every further call would fail the same way,
 *   so the whole job stops with one clear error instead of one per record.
 */
export const FAILURE_KINDS = ['transient', 'ambiguous', 'permanent', 'auth'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export class PartnerError extends Error {
  readonly kind: FailureKind;
  readonly partner: string;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** Field errors as returned by the partner (Django-REST `{"field": ["msg"]}` for OnCall). */
  readonly fieldErrors: Record<string, string[]> | undefined;

  constructor(
    partner: string,
    kind: FailureKind,
    message: string,
    opts: {
      status?: number;
      retryAfterMs?: number;
      fieldErrors?: Record<string, string[]>;
      cause?: unknown;
    } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PartnerError';
    this.partner = partner;
    this.kind = kind;
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
    this.fieldErrors = opts.fieldErrors;
  }
}

export function isPartnerError(e: unknown): e is PartnerError {
  return e instanceof PartnerError;
}

import { THROTTLE_MIN_RETRY_AFTER_SECONDS } from './assumptions.js';
import { ErrorBag, MSG, type FieldErrors } from './drf-errors.js';
import { isPlainObject } from './field-checks.js';

/**
 * Fault switches set through `POST /_admin/faults`. They apply to API routes only and model
 * what a client of the real service meets: latency, throttling (429 + Retry-After, nothing
 * applied), outages (503, nothing applied) and timeouts after the change was applied (the
 * ambiguous case a client resolves by looking the record up).
 */

export interface FaultSettings {
  errorRate: number;
  timeoutRate: number;
  latencyMs: number;
  rateLimitPerSecond: number | null;
}

export const NO_FAULTS: Readonly<FaultSettings> = { errorRate: 0, timeoutRate: 0, latencyMs: 0, rateLimitPerSecond: null };

interface Bucket {
  tokens: number;
  at: number;
}

export class FaultInjector {
  private current: FaultSettings = { ...NO_FAULTS };
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly random: () => number) {}

  get settings(): Readonly<FaultSettings> {
    return this.current;
  }

  /** Merges a validated partial update; a new rate limit starts every bucket full. */
  update(changes: Partial<FaultSettings>): void {
    this.current = { ...this.current, ...changes };
    if (changes.rateLimitPerSecond !== undefined) this.buckets.clear();
  }

  reset(): void {
    this.current = { ...NO_FAULTS };
    this.buckets.clear();
  }

  /**
   * Token bucket per API key: capacity and refill are both `rateLimitPerSecond`. Returns 0 when
   * the request may go on, else the whole seconds to wait (>= 1) for the Retry-After header.
   */
  throttle(key: string, now: number): number {
    const rate = this.current.rateLimitPerSecond;
    if (rate === null) return 0;
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = { tokens: rate, at: now }));
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(THROTTLE_MIN_RETRY_AFTER_SECONDS, Math.ceil((1 - bucket.tokens) / rate));
  }

  rollError(): boolean {
    return this.current.errorRate > 0 && this.random() < this.current.errorRate;
  }

  rollTimeout(): boolean {
    return this.current.timeoutRate > 0 && this.random() < this.current.timeoutRate;
  }
}

/** Validates a `POST /_admin/faults` body. */
export function parseFaultUpdate(body: unknown): { ok: true; value: Partial<FaultSettings> } | { ok: false; errors: FieldErrors } {
  if (!isPlainObject(body)) return { ok: false, errors: { non_field_errors: [MSG.invalidBody] } };
  const bag = new ErrorBag();
  const out: Partial<FaultSettings> = {};
  for (const key of ['errorRate', 'timeoutRate'] as const) {
    if (body[key] === undefined) continue;
    const v = body[key];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) bag.add(key, 'A number from 0 to 1 is required.');
    else out[key] = v;
  }
  if (body.latencyMs !== undefined) {
    const v = body.latencyMs;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 600_000) bag.add('latencyMs', 'An integer from 0 to 600000 is required.');
    else out.latencyMs = v;
  }
  if (body.rateLimitPerSecond !== undefined) {
    const v = body.rateLimitPerSecond;
    if (v === null) out.rateLimitPerSecond = null;
    else if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) bag.add('rateLimitPerSecond', 'A positive integer or null is required.');
    else out.rateLimitPerSecond = v;
  }
  return bag.ok ? { ok: true, value: out } : { ok: false, errors: bag.errors };
}

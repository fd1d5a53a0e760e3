import { setTimeout as sleep } from 'node:timers/promises';
import { isPartnerError } from '../partners/partner-error.js';

/**
 * The one rule for an outbound create (issue 8, "effects"; used by sync, bulk import and the
 * OnCall lookup helpers): when the partner's answer is ambiguous (a timeout or a reset after the
 * request left, a 5xx on a non-idempotent call), look the record up before anything else; send
 * again only once the lookup proves the first attempt did not land. Never a blind retry.
 */
export interface ExactlyOnceSpec<T> {
  send(): Promise<T>;
  /** The record the send would have made, if it exists (by our identifier in it). */
  lookup(): Promise<T | null>;
  /** Wait before the lookup, so a request the partner is still processing has landed. Default 1000 ms. */
  settleMs?: number;
  /** Ambiguous outcomes tolerated before giving up (the last error is thrown). Default 3. */
  maxAmbiguous?: number;
  signal?: AbortSignal;
}

export interface ExactlyOnceResult<T> {
  record: T;
  /** How the outcome is known: the partner answered, or a lookup found it after an ambiguous answer. */
  how: 'sent' | 'confirmed-by-lookup';
  /** Ambiguous answers resolved by lookup on the way. */
  ambiguous: number;
}

/** Thrown when the outcome is still unknown after `maxAmbiguous` tries: the intent must be kept. */
export class OutcomeUnknown extends Error {
  override name = 'OutcomeUnknown';
  constructor(readonly last: unknown) {
    super('no clear answer from the partner; the write will be looked up again before any resend');
  }
}

export async function sendExactlyOnce<T>(spec: ExactlyOnceSpec<T>): Promise<ExactlyOnceResult<T>> {
  const settleMs = spec.settleMs ?? 1000;
  const maxAmbiguous = spec.maxAmbiguous ?? 3;
  for (let ambiguous = 0; ; ) {
    try {
      return { record: await spec.send(), how: 'sent', ambiguous };
    } catch (err) {
      if (!isPartnerError(err) || err.kind !== 'ambiguous') throw err;
      ambiguous++;
      if (settleMs > 0) await sleep(settleMs, undefined, spec.signal ? { signal: spec.signal } : undefined);
      const found = await spec.lookup();
      if (found) return { record: found, how: 'confirmed-by-lookup', ambiguous };
      if (ambiguous >= maxAmbiguous) throw new OutcomeUnknown(err);
    }
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import { ackReason, parseAck } from '../../hl7/ack.js';
import { MllpConnection } from '../../mllp/client.js';
import { PartnerError } from '../../partners/partner-error.js';
import type { FeedMessage } from './model.js';

/**
 * Sends a feed the way an EMR's interface engine does (HL7 v2 original acknowledgement mode over
 * MLLP): one connection, one message in flight, the next only after the ACK. A message without
 * an ACK (timeout, connection lost) is sent again, the same bytes, so the receiver can recognise
 * the copy; an AE or AR stops the feed, since what follows may depend on the refused message.
 */
export interface SendFeedOptions {
  host: string;
  port: number;
  /** Messages per second at most; 0 = as fast as the ACKs come. */
  rate?: number;
  /** Wait for an ACK before sending the same bytes again; default 10 s. */
  ackTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Attempts per message (first send included) before giving up; default 5. */
  maxAttempts?: number;
  /** Pause before a resend; default 500 ms. */
  retryDelayMs?: number;
  /** After each message (acknowledged or not). */
  onProgress?: (summary: FeedSummary) => void;
}

export interface FeedStop {
  /** 0-based index of the message the feed stopped at. */
  index: number;
  controlId: string;
  type: string;
  /** MSA-1 when the listener refused it; absent when no usable ACK came. */
  ack?: 'AE' | 'AR';
  /** The listener's reason (ERR text: field names and codes, no values) or what went wrong. */
  reason: string;
}

export interface FeedSummary {
  total: number;
  /** Messages written at least once. */
  sent: number;
  aa: number;
  ae: number;
  ar: number;
  /** Extra attempts (same bytes) after a missing ACK. */
  resent: number;
  elapsedMs: number;
  stopped?: FeedStop;
}

export async function sendFeed(messages: readonly FeedMessage[], opts: SendFeedOptions): Promise<FeedSummary> {
  const ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
  const retryDelayMs = opts.retryDelayMs ?? 500;
  const interval = opts.rate && opts.rate > 0 ? 1000 / opts.rate : 0;
  const conn = new MllpConnection({
    host: opts.host,
    port: opts.port,
    connectTimeoutMs: opts.connectTimeoutMs ?? 5000,
    ackTimeoutMs,
    partner: 'emr-feed',
  });
  const started = performance.now();
  const summary: FeedSummary = { total: messages.length, sent: 0, aa: 0, ae: 0, ar: 0, resent: 0, elapsedMs: 0 };
  const stop = (m: FeedMessage, reason: string, ack?: 'AE' | 'AR'): void => {
    summary.stopped = { index: m.index, controlId: m.controlId, type: m.type, reason, ...(ack ? { ack } : {}) };
  };
  try {
    for (const [n, m] of messages.entries()) {
      // --rate: message n leaves no earlier than n intervals after the first.
      const due = started + n * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);

      const outcome = await deliver(conn, m, maxAttempts, retryDelayMs, summary);
      if (outcome.kind === 'no-ack') {
        stop(m, outcome.reason);
      } else if (outcome.kind === 'bad-ack') {
        stop(m, outcome.reason);
      } else if (outcome.code === 'AA') {
        summary.aa++;
      } else {
        summary[outcome.code === 'AE' ? 'ae' : 'ar']++;
        stop(m, outcome.reason, outcome.code);
      }
      summary.elapsedMs = Math.round(performance.now() - started);
      opts.onProgress?.(summary);
      if (summary.stopped) break;
    }
  } finally {
    conn.close();
  }
  summary.elapsedMs = Math.round(performance.now() - started);
  return summary;
}

type Outcome =
  | { kind: 'ack'; code: 'AA' | 'AE' | 'AR'; reason: string }
  | { kind: 'no-ack'; reason: string }
  | { kind: 'bad-ack'; reason: string };

async function deliver(conn: MllpConnection, m: FeedMessage, maxAttempts: number, retryDelayMs: number, summary: FeedSummary): Promise<Outcome> {
  let last = '';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (attempt === 1) summary.sent++;
    else summary.resent++;
    let reply: Buffer;
    try {
      reply = await conn.send(m.raw);
    } catch (e) {
      if (!(e instanceof PartnerError) || e.kind === 'auth' || e.kind === 'permanent') throw e;
      // Transient (nothing written: refused, unreachable) or ambiguous (written, no ACK): the
      // same bytes again; the listener answers a copy with the ACK it stored.
      last = e.message;
      if (attempt < maxAttempts) await sleep(retryDelayMs * attempt);
      continue;
    }
    let ack;
    try {
      ack = parseAck(reply);
    } catch {
      return { kind: 'bad-ack', reason: 'the reply is not an HL7 ACK' };
    }
    if (ack.acknowledgedControlId !== m.controlId) {
      return { kind: 'bad-ack', reason: `the ACK names control id ${ack.acknowledgedControlId || '(none)'} in MSA-2, not this message's` };
    }
    // Enhanced-mode codes (CA/CE/CR) read as their original-mode twins.
    const code = ({ AA: 'AA', CA: 'AA', AE: 'AE', CE: 'AE', AR: 'AR', CR: 'AR' } as const)[ack.ackCode];
    return { kind: 'ack', code, reason: code === 'AA' ? '' : ackReason(ack) };
  }
  return { kind: 'no-ack', reason: `no ACK after ${maxAttempts} attempts (${last})` };
}

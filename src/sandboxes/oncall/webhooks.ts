import { createHmac } from 'node:crypto';
import { Agent, request } from 'undici';
import { WEBHOOK_RETRY, WEBHOOK_SIGNATURE_HEADER } from './assumptions.js';
import type { SandboxStats } from './stats.js';
import type { WebhookTargetPolicy } from './webhook-target.js';

/**
 * Outgoing webhooks (oncall-patient-sync-guide.txt: `{"event": "appointment_created" |
 * "appointment_updated", "url": <appointment url>}`; the body never says what changed). Signed
 * and retried as partner-apis.md assumes. Timers are unref'd and everything in flight is
 * cancelled by `close()`, so a stopped sandbox never keeps the process alive.
 */

export const WEBHOOK_EVENTS = ['appointment_created', 'appointment_updated'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookConfig {
  url: string | null;
  secret: string | null;
}

export interface DeliveryRecord {
  event: WebhookEvent;
  url: string;
  attempts: number;
  /** Last HTTP status received, or null after a network error. */
  lastStatus: number | null;
  outcome: 'pending' | 'delivered' | 'failed';
}

const RECENT_LIMIT = 50;

export function signBody(rawBody: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

export class WebhookDispatcher {
  config: WebhookConfig;
  readonly recent: DeliveryRecord[] = [];
  private agent: Agent;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    initial: WebhookConfig,
    private readonly stats: SandboxStats,
    /** Re-checks every connection's resolved addresses (the target was checked when configured). */
    readonly targets: WebhookTargetPolicy,
  ) {
    this.config = { ...initial };
    this.agent = this.newAgent();
  }

  private newAgent(): Agent {
    return new Agent({ keepAliveTimeout: 1_000, connect: { lookup: this.targets.connectLookup() } });
  }

  get pending(): number {
    return this.recent.filter((r) => r.outcome === 'pending').length;
  }

  /** Queues one delivery to the configured URL; no-op when none is configured. */
  emit(event: WebhookEvent, appointmentUrl: string): void {
    const target = this.config.url;
    if (!target || this.closed) return;
    const body = JSON.stringify({ event, url: appointmentUrl });
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'oncall-sandbox-webhooks' };
    if (this.config.secret) headers[WEBHOOK_SIGNATURE_HEADER] = signBody(body, this.config.secret);
    const record: DeliveryRecord = { event, url: appointmentUrl, attempts: 0, lastStatus: null, outcome: 'pending' };
    this.recent.push(record);
    if (this.recent.length > RECENT_LIMIT) this.recent.shift();
    void this.attempt(target, body, headers, record);
  }

  private async attempt(target: string, body: string, headers: Record<string, string>, record: DeliveryRecord): Promise<void> {
    if (this.closed) return;
    record.attempts++;
    this.stats.webhookAttempts++;
    const agent = this.agent;
    try {
      const res = await request(target, {
        method: 'POST',
        headers,
        body,
        dispatcher: agent,
        headersTimeout: WEBHOOK_RETRY.attemptTimeoutMs,
        bodyTimeout: WEBHOOK_RETRY.attemptTimeoutMs,
      });
      record.lastStatus = res.statusCode;
      await res.body.dump();
      if (res.statusCode >= 200 && res.statusCode < 300) {
        record.outcome = 'delivered';
        this.stats.webhooksDelivered++;
        return;
      }
    } catch {
      record.lastStatus = null;
    }
    if (this.closed || agent !== this.agent) return;
    if (record.attempts >= WEBHOOK_RETRY.maxAttempts) {
      record.outcome = 'failed';
      this.stats.webhooksFailed++;
      return;
    }
    const delay = WEBHOOK_RETRY.initialDelayMs * WEBHOOK_RETRY.factor ** (record.attempts - 1);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(target, body, headers, record);
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  /** Drops queued retries and in-flight requests (used by reset); the dispatcher stays usable. */
  async cancelAll(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const old = this.agent;
    this.agent = this.newAgent();
    this.recent.length = 0;
    await old.destroy().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.agent.destroy().catch(() => undefined);
  }
}

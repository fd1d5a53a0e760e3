/**
 * Counters read by `GET /_admin/stats`: tests and benchmarks compare them with what a client
 * sent to prove exactly-once delivery (e.g. contacts created = rows imported, despite faults).
 */
export class SandboxStats {
  requestsByMethod: Record<string, number> = {};
  requests = 0;
  throttled = 0;
  injectedErrors = 0;
  injectedTimeouts = 0;
  webhookAttempts = 0;
  webhooksDelivered = 0;
  webhooksFailed = 0;

  countRequest(method: string): void {
    this.requests++;
    this.requestsByMethod[method] = (this.requestsByMethod[method] ?? 0) + 1;
  }

  reset(): void {
    this.requestsByMethod = {};
    this.requests = 0;
    this.throttled = 0;
    this.injectedErrors = 0;
    this.injectedTimeouts = 0;
    this.webhookAttempts = 0;
    this.webhooksDelivered = 0;
    this.webhooksFailed = 0;
  }
}

import { OperationOutcomeError } from './operation-outcome.js';

/** Upper bound of the switch, as the OnCall sandbox's (src/sandboxes/oncall/faults.ts). */
export const MAX_LATENCY_MS = 600_000;

/**
 * The sandbox EMR's one fault switch (`POST /_admin/faults {"latencyMs": n}`): every FHIR
 * request waits n ms before it is handled, as a real EMR across a network does. Benchmarks set
 * it so a flow's figures include partner round trips (issue 9, "EMR answering in 20 ms"). The
 * `/_admin` routes are never delayed; `POST /_admin/reset` sets it back to 0.
 */
export class LatencySwitch {
  private ms = 0;

  get latencyMs(): number {
    return this.ms;
  }

  set(ms: number): void {
    this.ms = ms;
  }

  reset(): void {
    this.ms = 0;
  }

  /** Resolves after the configured latency (at once when 0). */
  wait(): Promise<void> | undefined {
    if (this.ms <= 0) return undefined;
    return new Promise((resolve) => setTimeout(resolve, this.ms).unref());
  }
}

/** Validates a `POST /_admin/faults` body; refuses anything else with a 400 naming the field. */
export function parseLatencyUpdate(body: unknown): { latencyMs?: number } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw OperationOutcomeError.of(400, 'structure', 'The body must be a JSON object like {"latencyMs": 20}');
  }
  // The caller's key is not echoed: the switch's own name says what is accepted.
  if (Object.keys(body).some((k) => k !== 'latencyMs')) throw OperationOutcomeError.of(400, 'not-supported', 'Unknown fault switch: this sandbox has latencyMs only');
  const v = (body as { latencyMs?: unknown }).latencyMs;
  if (v === undefined) return {};
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_LATENCY_MS) {
    throw OperationOutcomeError.of(400, 'value', `latencyMs must be an integer from 0 to ${MAX_LATENCY_MS}`);
  }
  return { latencyMs: v };
}

import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { FaultInjector } from './faults.js';
import { seedDirectory } from './seed.js';
import { SandboxStats } from './stats.js';
import { OncallStore } from './store.js';
import { WebhookTargetPolicy } from './webhook-target.js';
import { WebhookDispatcher, type WebhookConfig } from './webhooks.js';

/**
 * Everything one mounted sandbox owns. `store` is replaced on reset; the rest is long-lived.
 * Requests picked for an injected timeout are remembered here so closing the app can release
 * them at once instead of waiting out the hold.
 */
export interface SandboxSettings {
  apiKey: string;
  seed: boolean;
  timeoutHoldMs: number;
  webhook: WebhookConfig;
  /** Who webhooks may be sent to (loopback, or listed hosts). */
  webhookTargets: WebhookTargetPolicy;
  random: () => number;
}

interface HeldRequest {
  timer: NodeJS.Timeout;
  socket: Socket;
}

export class SandboxContext {
  store = new OncallStore();
  readonly stats = new SandboxStats();
  readonly faults: FaultInjector;
  readonly webhooks: WebhookDispatcher;
  readonly apiKey: Buffer;
  /** Requests whose response will be swallowed (decided before the handler runs). */
  readonly toHold = new WeakSet<IncomingMessage>();
  private readonly held = new Set<HeldRequest>();

  constructor(readonly settings: SandboxSettings) {
    this.faults = new FaultInjector(settings.random);
    this.webhooks = new WebhookDispatcher(settings.webhook, this.stats, settings.webhookTargets);
    this.apiKey = Buffer.from(settings.apiKey);
    if (settings.seed) seedDirectory(this.store);
  }

  /** Back to the state at start: empty store (seeded if configured), no faults, zero counters. */
  async reset(): Promise<void> {
    this.store = new OncallStore();
    if (this.settings.seed) seedDirectory(this.store);
    this.faults.reset();
    this.stats.reset();
    await this.webhooks.cancelAll();
    this.webhooks.config = { ...this.settings.webhook };
  }

  /**
   * The injected timeout: the change is already applied; the response is never written and the
   * socket is destroyed after the hold, which a client sees as a connection closed mid-request.
   */
  hold(request: FastifyRequest, reply: FastifyReply): void {
    reply.hijack();
    const socket = request.raw.socket;
    const entry: HeldRequest = {
      socket,
      timer: setTimeout(() => release(), this.settings.timeoutHoldMs),
    };
    const release = (): void => {
      clearTimeout(entry.timer);
      this.held.delete(entry);
      socket.destroy();
    };
    entry.timer.unref();
    this.held.add(entry);
    socket.once('close', release);
  }

  /** Releases held requests and stops webhook work; called before the server closes. */
  async close(): Promise<void> {
    for (const entry of [...this.held]) {
      clearTimeout(entry.timer);
      entry.socket.destroy();
    }
    this.held.clear();
    await this.webhooks.close();
  }
}

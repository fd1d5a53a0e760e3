import type { Logger } from 'pino';
import type { ChannelStatus, SyncChannel } from '../../flows/sync/channel.js';
import type { MessageStore } from '../../messages/message-store.js';
import { appointmentUrlUnder } from './appointment-url.js';
import { ONCALL_HOOK_CHANNEL, ONCALL_HOOK_MAX_BYTES } from './settings.js';
import { oncallSignatureValid } from './signature.js';
import { hookMessage, ONCALL_HOOK_EVENTS, type OncallHookEvent } from './to-message.js';

export interface OncallHookDeps {
  messages: MessageStore;
  /** The configured OnCall base URL (ctx.oncallTarget().baseUrl); throws while OnCall is not configured. */
  baseUrl: () => string;
  /** The shared secret; undefined: deliveries are not verified. */
  secret: () => string | undefined;
  /** The receiver's path, shown on the Sync page. */
  path: string;
  /** Called after each stored delivery (the processor looks for work at once). */
  wake: () => void;
  logger: Logger;
  maxBytes?: number;
}

/** What the route answers: 202 once stored, or a refusal with nothing stored. */
export type HookAnswer =
  | { status: 202; messageId: number }
  | { status: 400 | 401 | 413 | 422 | 503; error: string; fieldErrors?: Record<string, string[]> };

export const URL_REFUSED = 'The url is not an appointment of the configured OnCall account.';

function isHookEvent(v: unknown): v is OncallHookEvent {
  return typeof v === 'string' && (ONCALL_HOOK_EVENTS as readonly string[]).includes(v);
}

/**
 * The OnCall Health webhook receiver as a sync channel (issue 9, "Webhooks"): each delivery
 * (`{"event": "appointment_created" | "appointment_updated", "url"}`,
 * oncall-patient-sync-guide.txt "Using OnCall Health as the system of record") is checked, then
 * stored as one message, and only then answered 202, so OnCall retries whatever was not stored.
 * Checks, in order, each refusing with nothing written: size (413), signature over the raw bytes
 * when a secret is configured (401), JSON with a known `event` and a string `url` (400), `url`
 * an appointment of the configured account (422, never fetched). The receiver never calls
 * OnCall: the EMR target GETs the appointment when it processes the message.
 */
export class OncallHookChannel implements SyncChannel {
  readonly name = ONCALL_HOOK_CHANNEL;
  private running = false;
  private counters = { received: 0, duplicates: 0, rejected: 0, errors: 0 };
  private lastMessageAt: string | null = null;
  private lastError: string | null = null;

  constructor(private readonly deps: OncallHookDeps) {}

  get path(): string {
    return this.deps.path;
  }

  get maxBytes(): number {
    return this.deps.maxBytes ?? ONCALL_HOOK_MAX_BYTES;
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  status(): ChannelStatus {
    return {
      name: this.name,
      kind: 'OnCall Health webhooks',
      state: this.running ? 'running' : 'stopped',
      detail: `POST ${this.deps.path}${this.secretOrUndefined() ? ', signed deliveries only' : ''}`,
      ...this.counters,
      lastMessageAt: this.lastMessageAt,
      lastError: this.lastError,
    };
  }

  private secretOrUndefined(): string | undefined {
    try {
      return this.deps.secret();
    } catch {
      return undefined;
    }
  }

  private refuse(status: 400 | 401 | 413 | 422, error: string, fieldErrors?: Record<string, string[]>): HookAnswer {
    this.counters.rejected++;
    this.deps.logger.info({ channel: this.name, status }, `OnCall webhook refused: ${error}`);
    return { status, error, ...(fieldErrors ? { fieldErrors } : {}) };
  }

  /** One delivery: checked, then stored durably; resolves with what to answer. */
  async handle(rawBody: Buffer, signatureHeader?: string, remoteAddress?: string): Promise<HookAnswer> {
    if (!this.running) return { status: 503, error: 'The OnCall webhook receiver is not running; send it again later.' };
    if (rawBody.length > this.maxBytes) return this.refuse(413, `The body is larger than ${this.maxBytes} bytes.`);
    const secret = this.secretOrUndefined();
    if (secret !== undefined && !oncallSignatureValid(rawBody, signatureHeader, secret)) {
      return this.refuse(401, signatureHeader ? 'The X-OnCall-Signature header does not match the body.' : 'The X-OnCall-Signature header is missing.');
    }
    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      return this.refuse(400, 'The body is not valid JSON.');
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) return this.refuse(400, 'The body must be a JSON object.');
    const { event, url } = body as { event?: unknown; url?: unknown };
    const fieldErrors: Record<string, string[]> = {};
    if (!isHookEvent(event)) fieldErrors.event = [event === undefined ? 'required' : `must be one of ${ONCALL_HOOK_EVENTS.join(', ')}`];
    if (typeof url !== 'string' || url === '') fieldErrors.url = [url === undefined ? 'required' : 'must be a non-empty string'];
    if (Object.keys(fieldErrors).length) return this.refuse(400, 'The body is not an OnCall webhook.', fieldErrors);

    let base: string;
    try {
      base = this.deps.baseUrl();
    } catch {
      this.counters.errors++;
      this.lastError = 'OnCall Health is not configured';
      return { status: 503, error: 'OnCall Health is not configured on this engine.' };
    }
    const canonical = appointmentUrlUnder(base, url as string);
    if (!canonical) return this.refuse(422, URL_REFUSED, { url: ['not an appointment URL under the configured OnCall base URL'] });

    try {
      const receipt = await this.deps.messages.receive(hookMessage({ raw: rawBody, event: event as OncallHookEvent, url: canonical, remoteAddress }));
      if (receipt.duplicate) this.counters.duplicates++;
      else this.counters.received++;
      this.lastMessageAt = new Date().toISOString();
      this.deps.wake();
      return { status: 202, messageId: receipt.id };
    } catch (e) {
      this.counters.errors++;
      this.lastError = `store failed (${(e as Error).name ?? 'error'})`;
      this.deps.logger.warn({ channel: this.name, err: { name: (e as Error).name } }, 'OnCall webhook not stored');
      return { status: 503, error: 'The webhook could not be stored; send it again.' };
    }
  }
}

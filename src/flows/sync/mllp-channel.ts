import type { Logger } from 'pino';
import { MllpListener } from '../../channels/mllp-listener/listener.js';
import { MessageStore } from '../../messages/message-store.js';
import type { IncomingMessage, StoredReceipt } from '../../messages/types.js';
import type { MllpListenerSettings } from '../../messages/settings.js';
import type { Store } from '../../store/db.js';
import type { ChannelStatus, SyncChannel } from './channel.js';

/** A message store that wakes the processor after each durable write. */
class WakingMessageStore extends MessageStore {
  constructor(store: Store, private readonly onStored: () => void) {
    super(store.db, store.dialect);
  }

  override async receive(msg: IncomingMessage): Promise<StoredReceipt> {
    const r = await super.receive(msg);
    if (!r.duplicate && msg.status === 'received') this.onStored();
    return r;
  }
}

/** The inbound MLLP listener as a sync channel (issue 8, source 1). */
export class MllpChannel implements SyncChannel {
  readonly name = 'mllp';
  private readonly listener: MllpListener;
  private address: { host: string; port: number } | undefined;
  private lastError: string | null = null;

  constructor(
    readonly settings: MllpListenerSettings,
    store: Store,
    wake: () => void,
    logger: Logger,
  ) {
    this.listener = new MllpListener(settings, { messages: new WakingMessageStore(store, wake), logger, channel: this.name });
  }

  async start(): Promise<void> {
    try {
      this.address = await this.listener.start();
    } catch (e) {
      this.lastError = (e as Error).message;
      throw e;
    }
  }

  async stop(): Promise<void> {
    await this.listener.close();
    this.address = undefined;
  }

  /** The port it listens on (0 asked for any free one). */
  port(): number | undefined {
    return this.address?.port;
  }

  host(): string | undefined {
    return this.address?.host;
  }

  status(): ChannelStatus {
    const s = this.listener.stats();
    const where = this.address ? `port ${this.address.port}${this.settings.tls ? ' (TLS)' : ''} on ${this.address.host}` : 'not listening';
    return {
      name: this.name,
      kind: 'HL7 v2 over MLLP',
      state: this.address ? (s.storeErrors > 0 && this.lastError ? 'failing' : 'running') : 'stopped',
      detail: `${where}; ${s.openConnections} connection(s) open`,
      received: s.stored,
      duplicates: s.duplicates,
      rejected: s.rejected + s.oversize,
      errors: s.storeErrors,
      lastMessageAt: s.lastMessageAt,
      lastError: this.lastError,
    };
  }
}

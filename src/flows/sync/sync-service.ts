import type { Db } from '../../store/db.js';
import type { SyncChannel, SyncStatus } from './channel.js';
import type { EmrWriter } from './targets/emr/emr-writer.js';

/** The part of the processor the service drives (see processor.ts). */
export interface SyncProcessorHandle {
  start(): void;
  stop(): Promise<void>;
  /** A message was stored: look for work now instead of at the next poll. */
  wake(): void;
}

/**
 * The sync spine of one process: its channels (sources) and its processor. Channels store,
 * the processor applies; both are optional per process (a CLI command has neither, a worker
 * process on PostgreSQL may run the processor without a listener).
 */
export class SyncService {
  private readonly channels = new Map<string, SyncChannel>();
  private processor: SyncProcessorHandle | undefined;
  private started = false;

  constructor(
    private readonly db: Db,
    private readonly target: () => { name: string; baseUrl: string | null },
  ) {}

  addChannel(channel: SyncChannel): void {
    if (this.channels.has(channel.name)) throw new Error(`a channel named ${channel.name} is already registered`);
    this.channels.set(channel.name, channel);
  }

  channel(name: string): SyncChannel | undefined {
    return this.channels.get(name);
  }

  private writer: EmrWriter | undefined;

  /** The EMR the sync back writes to (set by setup.ts): the match reviews read their candidates through it. */
  setEmrWriter(w: EmrWriter | undefined): void {
    this.writer = w;
  }

  emrWriter(): EmrWriter | undefined {
    return this.writer;
  }

  setProcessor(p: SyncProcessorHandle): void {
    this.processor = p;
  }

  /** Wakes the processor (called by channels after each durable write, and by reprocessing). */
  wake(): void {
    this.processor?.wake();
  }

  /** Starts the processor first, then the channels: nothing is acknowledged before it can be applied. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.processor?.start();
    const started: SyncChannel[] = [];
    try {
      for (const ch of this.channels.values()) {
        await ch.start();
        started.push(ch);
      }
    } catch (e) {
      for (const ch of started.reverse()) await ch.stop().catch(() => undefined);
      await this.processor?.stop();
      this.started = false;
      throw e;
    }
  }

  /** Channels first (no new messages), then the processor finishes what it holds. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    for (const ch of [...this.channels.values()].reverse()) await ch.stop().catch(() => undefined);
    await this.processor?.stop();
  }

  async status(): Promise<SyncStatus> {
    const hourAgo = new Date(Date.now() - 3600_000).toISOString();
    const [waiting, failed, processed] = await Promise.all([
      this.db
        .selectFrom('messages')
        .select((eb) => [eb.fn.countAll<string | number>().as('n'), eb.fn.min('received_at').as('oldest')])
        .where('status', '=', 'received')
        .executeTakeFirstOrThrow(),
      this.db.selectFrom('messages').select((eb) => eb.fn.countAll<string | number>().as('n')).where('status', '=', 'failed').executeTakeFirstOrThrow(),
      this.db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('status', '=', 'processed')
        .where('processed_at', '>=', hourAgo)
        .executeTakeFirstOrThrow(),
    ]);
    return {
      channels: [...this.channels.values()].map((c) => c.status()),
      processing: {
        running: this.started && this.processor !== undefined,
        waiting: Number(waiting.n),
        oldestWaitingAt: (waiting.oldest as string | null) ?? null,
        failed: Number(failed.n),
        processedLastHour: Number(processed.n),
      },
      target: this.target(),
    };
  }
}

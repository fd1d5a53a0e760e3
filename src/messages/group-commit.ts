/**
 * Group commit: writes that arrive while a batch is being committed are gathered and committed
 * together in the next batch, in one transaction. Nothing waits on a timer: a lone write is
 * committed on the next turn of the event loop; under load (eight MLLP senders each waiting for its ACK) one commit carries
 * every message that arrived during the previous one, which is what lets SQLite (one writer)
 * and PostgreSQL (a round trip and a WAL flush per commit) keep up with the senders.
 *
 * `flush` receives the batch in arrival order and returns one result per item, in the same
 * order. If it throws, every item of that batch fails with the error (nothing of the batch was
 * committed: the flush is one transaction), and later batches are tried afresh.
 */
export interface GroupCommitOptions {
  /** Largest batch (bounds the statement size and the latency of one commit). */
  maxBatch?: number;
  /** Batches committed at the same time (1 for SQLite's single writer; a few on PostgreSQL). */
  maxConcurrent?: number;
}

interface Pending<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

export class GroupCommit<I, O> {
  private readonly waiting: Pending<I, O>[] = [];
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxConcurrent: number;
  /** Batches committed and items in them, for benchmarks and metrics. */
  readonly stats = { batches: 0, items: 0, largestBatch: 0 };

  constructor(
    private readonly flush: (items: I[]) => Promise<O[]>,
    opts: GroupCommitOptions = {},
  ) {
    this.maxBatch = Math.max(1, opts.maxBatch ?? 200);
    this.maxConcurrent = Math.max(1, opts.maxConcurrent ?? 1);
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.pump();
    });
  }

  /** Items waiting for a batch plus batches being committed (0 when idle). */
  get busy(): number {
    return this.waiting.length + this.inFlight;
  }

  private scheduled = false;

  /**
   * A batch starts one event-loop turn after the first write arrives (setImmediate, no timer):
   * messages already readable on other connections are read in that turn and join it. Without
   * it, a synchronous driver (better-sqlite3) runs the whole transaction in microtasks, the
   * sockets are never polled meanwhile, and every batch holds one message.
   */
  private pump(): void {
    if (this.scheduled || this.inFlight >= this.maxConcurrent || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.gathered(false));
  }

  /** Size of the last batch started: how many writers are likely to be sending. */
  private lastBatch = 0;

  /**
   * When fewer writes wait than the last batch held, the others' are probably on their way (the
   * senders were answered a moment ago): one more event-loop turn reads them into this batch,
   * once, still without a timer. A lone writer (last batch 1) never waits for it.
   */
  private gathered(again: boolean): void {
    if (!again && this.waiting.length < Math.min(this.lastBatch, this.maxBatch)) {
      setImmediate(() => this.gathered(true));
      return;
    }
    this.scheduled = false;
    this.startBatches();
  }

  private startBatches(): void {
    while (this.inFlight < this.maxConcurrent && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.lastBatch = batch.length;
      this.inFlight++;
      this.stats.batches++;
      this.stats.items += batch.length;
      if (batch.length > this.stats.largestBatch) this.stats.largestBatch = batch.length;
      void this.run(batch);
    }
  }

  private async run(batch: Pending<I, O>[]): Promise<void> {
    try {
      const out = await this.flush(batch.map((p) => p.item));
      if (out.length !== batch.length) throw new Error(`group commit: ${out.length} results for ${batch.length} items`);
      batch.forEach((p, i) => p.resolve(out[i] as O));
    } catch (e) {
      for (const p of batch) p.reject(e);
    } finally {
      this.inFlight--;
      this.pump();
    }
  }
}

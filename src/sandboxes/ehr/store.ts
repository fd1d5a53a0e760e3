import { randomUUID } from 'node:crypto';

/**
 * What the EHR receiver sandbox remembers: every message it received (accepted or not), the
 * keys it de-duplicates on, and how it is told to answer. In memory: a sandbox restarts empty.
 */
export const SANDBOX_ACK_MODES = ['AA', 'AE', 'AR', 'none'] as const;
export type SandboxAckMode = (typeof SANDBOX_ACK_MODES)[number];

export type SandboxTransport = 'mllp' | 'file' | 'http';

export interface ReceivedDocumentInfo {
  contentType: string;
  size: number;
  sha256: string;
  fileName?: string;
}

export interface ReceivedItem {
  id: string;
  /** Arrival order (1, 2, ...): the listing's cursor, stable while older items are evicted. */
  seq: number;
  transport: SandboxTransport;
  receivedAt: string;
  /** MSH-10, JSON transactionId, or the HPRIM file base name. */
  controlId: string | null;
  /** `ORU^R01`, `MDM^T02`, `HPRIM^ORU`, `JSON`; null when unreadable. */
  messageType: string | null;
  /** The verdict answered (MLLP ACK code; for HTTP/file the equivalent); null = no answer. */
  ack: 'AA' | 'AE' | 'AR' | null;
  /** Stored as a new document (false for rejected ones). */
  accepted: boolean;
  /** Why it was rejected (ERR texts); empty when accepted. */
  errors: string[];
  /** Message text as received (HL7, HPR, JSON). */
  raw: string;
  /** Same, with the embedded base64 document replaced by a short placeholder. */
  rawElided: string;
  document?: ReceivedDocumentInfo;
  /** Files of a file-drop delivery, as found in the drop folder. */
  files?: string[];
  /** Set when the message alone was over the store's byte limit: its text and document were not kept. */
  notKept?: string;
}

export interface EhrSandboxStoreLimits {
  /** Items kept (default 500). */
  maxItems?: number;
  /** Bytes kept in total, message texts and documents together (default 64 MiB); the oldest go first. */
  maxBytes?: number;
}

export const DEFAULT_MAX_STORED_ITEMS = 500;
export const DEFAULT_MAX_STORED_BYTES = 64 * 1024 * 1024;

export class EhrSandboxStore {
  mode: SandboxAckMode = 'AA';
  duplicates = 0;
  private items: ReceivedItem[] = [];
  private documents = new Map<string, Buffer>();
  private sizes = new Map<string, number>();
  private seen = new Set<string>();
  private nextSeq = 1;
  private bytes = 0;
  readonly maxItems: number;
  readonly maxBytes: number;

  constructor(limits: EhrSandboxStoreLimits = {}) {
    this.maxItems = limits.maxItems ?? DEFAULT_MAX_STORED_ITEMS;
    this.maxBytes = limits.maxBytes ?? DEFAULT_MAX_STORED_BYTES;
  }

  /** Every item kept, oldest first (in-process callers: tests, harnesses). */
  list(): readonly ReceivedItem[] {
    return this.items;
  }

  /** Approximate bytes held: message texts (one byte per character) plus document bytes. */
  get storedBytes(): number {
    return this.bytes;
  }

  /**
   * One page, newest first: at most `limit` items received before the item numbered `before`,
   * of one message type when `type` is given (`SIU^S12`).
   */
  page(opts: { limit: number; before?: number; type?: string }): { items: ReceivedItem[]; nextBefore: number | null } {
    const items: ReceivedItem[] = [];
    const wanted = (item: ReceivedItem): boolean => (opts.before === undefined || item.seq < opts.before) && (opts.type === undefined || item.messageType === opts.type);
    let i = this.items.length - 1;
    for (; i >= 0 && items.length < opts.limit; i--) {
      const item = this.items[i] as ReceivedItem;
      if (wanted(item)) items.push(item);
    }
    const last = items.at(-1);
    let more = false;
    for (; last !== undefined && i >= 0 && !more; i--) more = wanted(this.items[i] as ReceivedItem);
    return { items, nextBefore: more && last ? last.seq : null };
  }

  get(id: string): ReceivedItem | undefined {
    return this.items.find((i) => i.id === id);
  }

  document(id: string): Buffer | undefined {
    return this.documents.get(id);
  }

  /** True (and counted) when this key was already accepted once. */
  checkDuplicate(key: string): boolean {
    if (!this.seen.has(key)) return false;
    this.duplicates++;
    return true;
  }

  add(item: Omit<ReceivedItem, 'id' | 'seq' | 'receivedAt'>, documentBytes?: Buffer, dedupeKey?: string): ReceivedItem {
    let full: ReceivedItem = { id: randomUUID(), seq: this.nextSeq++, receivedAt: new Date().toISOString(), ...item };
    let size = sizeOf(full, documentBytes);
    if (size > this.maxBytes) {
      // Keep the verdict, not the bytes: one message must not push out everything else (or,
      // bigger than the limit itself, break it).
      full = { ...full, raw: '', rawElided: '', notKept: `message of about ${size} bytes is over the receiver's limit of ${this.maxBytes}` };
      documentBytes = undefined;
      size = 0;
    }
    this.items.push(full);
    this.sizes.set(full.id, size);
    this.bytes += size;
    if (documentBytes) this.documents.set(full.id, documentBytes);
    if (full.accepted && dedupeKey) this.seen.add(dedupeKey);
    // A long-running sandbox must not grow without bound, in count or in bytes: drop the oldest
    // (dedupe keys stay, so a late resend of an evicted message is still a duplicate).
    while (this.items.length > this.maxItems || this.bytes > this.maxBytes) {
      const old = this.items.shift();
      if (!old) break;
      this.documents.delete(old.id);
      this.bytes -= this.sizes.get(old.id) ?? 0;
      this.sizes.delete(old.id);
    }
    return full;
  }

  reset(): void {
    this.items = [];
    this.documents.clear();
    this.sizes.clear();
    this.bytes = 0;
    this.seen.clear();
    this.duplicates = 0;
    this.mode = 'AA';
  }
}

function sizeOf(item: ReceivedItem, documentBytes: Buffer | undefined): number {
  // The elided text usually is a small copy; when nothing was elided it is the same string.
  return item.raw.length + (item.rawElided === item.raw ? 0 : item.rawElided.length) + (documentBytes?.length ?? 0);
}

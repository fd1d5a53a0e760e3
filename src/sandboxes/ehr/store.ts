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
}

export class EhrSandboxStore {
  mode: SandboxAckMode = 'AA';
  duplicates = 0;
  private items: ReceivedItem[] = [];
  private documents = new Map<string, Buffer>();
  private seen = new Set<string>();
  private readonly maxItems: number;

  constructor(maxItems = 500) {
    this.maxItems = maxItems;
  }

  list(): readonly ReceivedItem[] {
    return this.items;
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

  add(item: Omit<ReceivedItem, 'id' | 'receivedAt'>, documentBytes?: Buffer, dedupeKey?: string): ReceivedItem {
    const full: ReceivedItem = { id: randomUUID(), receivedAt: new Date().toISOString(), ...item };
    this.items.push(full);
    if (documentBytes) this.documents.set(full.id, documentBytes);
    if (full.accepted && dedupeKey) this.seen.add(dedupeKey);
    // A long-running sandbox must not grow without bound: drop the oldest (dedupe keys stay).
    while (this.items.length > this.maxItems) {
      const old = this.items.shift();
      if (old) this.documents.delete(old.id);
    }
    return full;
  }

  reset(): void {
    this.items = [];
    this.documents.clear();
    this.seen.clear();
    this.duplicates = 0;
    this.mode = 'AA';
  }
}

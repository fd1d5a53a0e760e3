import { randomUUID } from 'node:crypto';
import type { FhirEmrType } from './fhir-store.js';

/**
 * Search result sets kept by the server so every page of one search comes from the same
 * list (no record skipped or repeated when data changes between pages), and `total` is the
 * same on every page. Next/previous links carry only an opaque token and an offset, like
 * HAPI's `_getpages` (https://hl7.org/fhir/R4/http.html#paging: clients follow links, never
 * build them).
 */
export interface PageSnapshot {
  type: FhirEmrType;
  ids: readonly string[];
  count: number;
  expiresAt: number;
}

export class PageSnapshots {
  private readonly entries = new Map<string, PageSnapshot>();

  constructor(
    private readonly ttlMs = 15 * 60_000,
    private readonly maxEntries = 500,
  ) {}

  create(type: FhirEmrType, ids: readonly string[], count: number): string {
    this.sweep();
    const token = randomUUID();
    this.entries.set(token, { type, ids, count, expiresAt: Date.now() + this.ttlMs });
    // Oldest first out: Map iteration order is insertion order.
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return token;
  }

  get(token: string): PageSnapshot | undefined {
    const s = this.entries.get(token);
    if (!s || s.expiresAt < Date.now()) return undefined;
    return s;
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, v] of this.entries) if (v.expiresAt < now) this.entries.delete(k);
  }
}

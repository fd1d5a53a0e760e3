import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import { anchorOf, buildSeed } from './seed.js';

/** Resource types this EMR serves; the CapabilityStatement is generated from the same list. */
export const FHIR_EMR_TYPES = ['Patient', 'Practitioner', 'Encounter', 'Appointment'] as const;
export type FhirEmrType = (typeof FHIR_EMR_TYPES)[number];

export function isFhirEmrType(t: string): t is FhirEmrType {
  return (FHIR_EMR_TYPES as readonly string[]).includes(t);
}

export interface FhirEmrStoreOptions {
  /** Load the Synthea seed (default true). */
  seed?: boolean;
  /** Day the seed's past/future is relative to (default: today, UTC). */
  anchorDate?: string | Date;
}

export class VersionConflictError extends Error {
  constructor(readonly currentVersion: string) {
    super('version conflict');
  }
}

/** One version of a resource in its history (https://hl7.org/fhir/R4/http.html#history). */
export interface HistoryEntry {
  versionId: string;
  lastUpdated: string;
  method: 'POST' | 'PUT' | 'DELETE';
  /** The version's content; absent for a delete. */
  resource?: Resource;
}

/** A write, as the subscription dispatcher hears it. */
export interface StoreChange {
  type: FhirEmrType;
  id: string;
  entry: HistoryEntry;
}

export interface FhirEmrStore {
  /** ISO date (YYYY-MM-DD) the seed is anchored on. */
  readonly anchorDate: string;
  get(type: FhirEmrType, id: string): Resource | undefined;
  /** All current resources of a type in a stable order (insertion order). */
  list(type: FhirEmrType): readonly Resource[];
  count(type: FhirEmrType): number;
  /** Stores a new resource under a server-assigned id, version 1. */
  create<T extends Resource>(resource: T): T;
  /**
   * Update (or create under the client's id, FHIR "update as create"). `ifMatchVersion`
   * implements If-Match optimistic locking (https://hl7.org/fhir/R4/http.html#concurrency).
   */
  update<T extends Resource>(resource: T & { id: string }, ifMatchVersion?: string): { resource: T; created: boolean };
  /**
   * Deletes the current version (a new, deleted version; later reads answer 410). Returns the
   * history entry written, or undefined when there was nothing to delete (R4 deletes are
   * idempotent: https://hl7.org/fhir/R4/http.html#delete).
   */
  delete(type: FhirEmrType, id: string, ifMatchVersion?: string): HistoryEntry | undefined;
  /** Whether the resource existed and its latest version is a delete. */
  isDeleted(type: FhirEmrType, id: string): boolean;
  /** Every version, newest first (https://hl7.org/fhir/R4/http.html#history); [] for an unknown id. */
  history(type: FhirEmrType, id: string): HistoryEntry[];
  /** Called after each create, update and delete; returns the unsubscribe function. */
  onChange(listener: (change: StoreChange) => void): () => void;
  /** Restores the initial state (seed or empty). */
  reset(): void;
}

/** In-memory, seeded store behind the sandbox EMR; exported for tests and other sandboxes. */
export function createFhirEmrStore(opts: FhirEmrStoreOptions = {}): FhirEmrStore {
  const anchorMs = anchorOf(opts.anchorDate);
  const maps = new Map<FhirEmrType, Map<string, Resource>>();
  const listCache = new Map<FhirEmrType, readonly Resource[]>();
  // Versions written through the API, oldest first; a seeded resource's history is its seed version.
  const histories = new Map<string, HistoryEntry[]>();
  const listeners = new Set<(change: StoreChange) => void>();
  let lastStamp = 0;
  const key = (type: FhirEmrType, id: string): string => `${type}/${id}`;

  const historyOf = (type: FhirEmrType, id: string): HistoryEntry[] => {
    let h = histories.get(key(type, id));
    if (!h) {
      const seeded = mapOf(type).get(id);
      h = seeded ? [{ versionId: seeded.meta?.versionId ?? '1', lastUpdated: seeded.meta?.lastUpdated ?? '', method: 'POST', resource: seeded }] : [];
      histories.set(key(type, id), h);
    }
    return h;
  };

  const record = (type: FhirEmrType, id: string, entry: HistoryEntry): void => {
    historyOf(type, id).push(entry);
    for (const l of listeners) {
      // A listener's failure is its own (the dispatcher never throws); a write never fails for it.
      try {
        l({ type, id, entry });
      } catch {
        /* ignored */
      }
    }
  };

  // meta.lastUpdated must grow strictly so `_lastUpdated=gt...` and `_since` never miss a write.
  const stamp = (): string => {
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    return new Date(lastStamp).toISOString();
  };

  const load = (): void => {
    maps.clear();
    listCache.clear();
    histories.clear();
    for (const t of FHIR_EMR_TYPES) maps.set(t, new Map());
    if (opts.seed === false) return;
    const seed = buildSeed(anchorMs);
    for (const t of FHIR_EMR_TYPES) {
      const m = maps.get(t);
      for (const r of seed[t]) if (r.id) m?.set(r.id, r);
    }
  };

  const mapOf = (type: FhirEmrType): Map<string, Resource> => {
    const m = maps.get(type);
    if (!m) throw new Error(`unsupported type ${type}`);
    return m;
  };

  const typeOf = (r: Resource): FhirEmrType => {
    if (!isFhirEmrType(r.resourceType)) throw new Error(`unsupported type ${r.resourceType}`);
    return r.resourceType;
  };

  load();
  return {
    anchorDate: new Date(anchorMs).toISOString().slice(0, 10),
    get: (type, id) => mapOf(type).get(id),
    list: (type) => {
      let l = listCache.get(type);
      if (!l) {
        l = Array.from(mapOf(type).values());
        listCache.set(type, l);
      }
      return l;
    },
    count: (type) => mapOf(type).size,
    create: <T extends Resource>(resource: T): T => {
      const type = typeOf(resource);
      const stored = { ...resource, id: randomUUID(), meta: { ...resource.meta, versionId: '1', lastUpdated: stamp() } };
      historyOf(type, stored.id); // starts the history before the map holds the version
      mapOf(type).set(stored.id, stored);
      listCache.delete(type);
      record(type, stored.id, { versionId: '1', lastUpdated: stored.meta.lastUpdated, method: 'POST', resource: stored });
      return stored;
    },
    update: <T extends Resource>(resource: T & { id: string }, ifMatchVersion?: string) => {
      const type = typeOf(resource);
      const current = mapOf(type).get(resource.id);
      // After a delete the id's history goes on: the next version follows the deleted one.
      const currentVersion = current?.meta?.versionId ?? historyOf(type, resource.id).at(-1)?.versionId ?? '0';
      if (ifMatchVersion !== undefined && ifMatchVersion !== currentVersion) {
        throw new VersionConflictError(currentVersion);
      }
      const versionId = String(Number(currentVersion) + 1);
      const stored = { ...resource, meta: { ...resource.meta, versionId, lastUpdated: stamp() } };
      historyOf(type, resource.id); // keeps a seeded version before it is replaced
      mapOf(type).set(resource.id, stored);
      // An update keeps the resource's position in the list (Map keeps insertion order).
      listCache.delete(type);
      record(type, resource.id, { versionId, lastUpdated: stored.meta.lastUpdated, method: current ? 'PUT' : 'POST', resource: stored });
      return { resource: stored, created: current === undefined };
    },
    delete: (type, id, ifMatchVersion) => {
      const current = mapOf(type).get(id);
      if (!current) return undefined;
      const currentVersion = current.meta?.versionId ?? '1';
      if (ifMatchVersion !== undefined && ifMatchVersion !== currentVersion) throw new VersionConflictError(currentVersion);
      historyOf(type, id); // keeps the seed version before the resource leaves the map
      mapOf(type).delete(id);
      listCache.delete(type);
      const entry: HistoryEntry = { versionId: String(Number(currentVersion) + 1), lastUpdated: stamp(), method: 'DELETE' };
      record(type, id, entry);
      return entry;
    },
    isDeleted: (type, id) => !mapOf(type).has(id) && histories.get(key(type, id))?.at(-1)?.method === 'DELETE',
    history: (type, id) => [...historyOf(type, id)].reverse(),
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reset: load,
  };
}

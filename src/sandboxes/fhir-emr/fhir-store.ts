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
  /** Restores the initial state (seed or empty). */
  reset(): void;
}

/** In-memory, seeded store behind the sandbox EMR; exported for tests and other sandboxes. */
export function createFhirEmrStore(opts: FhirEmrStoreOptions = {}): FhirEmrStore {
  const anchorMs = anchorOf(opts.anchorDate);
  const maps = new Map<FhirEmrType, Map<string, Resource>>();
  const listCache = new Map<FhirEmrType, readonly Resource[]>();
  let lastStamp = 0;

  // meta.lastUpdated must grow strictly so `_lastUpdated=gt...` and `_since` never miss a write.
  const stamp = (): string => {
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    return new Date(lastStamp).toISOString();
  };

  const load = (): void => {
    maps.clear();
    listCache.clear();
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
      mapOf(type).set(stored.id, stored);
      listCache.delete(type);
      return stored;
    },
    update: <T extends Resource>(resource: T & { id: string }, ifMatchVersion?: string) => {
      const type = typeOf(resource);
      const current = mapOf(type).get(resource.id);
      const currentVersion = current?.meta?.versionId ?? '0';
      if (ifMatchVersion !== undefined && ifMatchVersion !== currentVersion) {
        throw new VersionConflictError(currentVersion);
      }
      const versionId = String(Number(currentVersion) + 1);
      const stored = { ...resource, meta: { ...resource.meta, versionId, lastUpdated: stamp() } };
      mapOf(type).set(resource.id, stored);
      // An update keeps the resource's position in the list (Map keeps insertion order).
      listCache.delete(type);
      return { resource: stored, created: current === undefined };
    },
    reset: load,
  };
}

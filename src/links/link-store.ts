import { createHash } from 'node:crypto';
import type { Db, DbOrTrx } from '../store/db.js';
import { nowIso } from '../store/db.js';

/**
 * One cross-reference store for every flow (issue 8, "links"): the same patient, appointment or
 * participant in two systems, searchable both ways, with the hash of the projection last sent to
 * the target. Sync reads it before every write; bulk import writes it too, so a patient imported
 * last month is recognised when its first ADT arrives.
 */
export type LinkKind = 'patient' | 'appointment' | 'participant';

export interface Link {
  kind: LinkKind;
  sourceSystem: string;
  sourceId: string;
  targetSystem: string;
  targetId: string;
  /** Participant links: the source patient the participant stands for. */
  parentId?: string | null;
  projectionHash?: string | null;
  /** Participant and appointment links: when the appointment ends (ISO); past ones are not updated. */
  notAfter?: string | null;
}

/** The systems as links name them. */
export const SYSTEMS = { emr: 'emr', oncall: 'oncall' } as const;

/** A stable hash of what we send: keys sorted, so the same content always hashes the same. */
export function projectionHash(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('base64url');
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

type Row = {
  kind: string;
  source_system: string;
  source_id: string;
  target_system: string;
  target_id: string;
  parent_id: string | null;
  projection_hash: string | null;
  not_after: string | null;
};

function toLink(r: Row): Link {
  return {
    kind: r.kind as LinkKind,
    sourceSystem: r.source_system,
    sourceId: r.source_id,
    targetSystem: r.target_system,
    targetId: r.target_id,
    parentId: r.parent_id,
    projectionHash: r.projection_hash,
    notAfter: r.not_after,
  };
}

const COLUMNS = ['kind', 'source_system', 'source_id', 'target_system', 'target_id', 'parent_id', 'projection_hash', 'not_after'] as const;

export class LinkStore {
  constructor(private readonly db: Db) {}

  /** The target record linked to a source record, if any. */
  async find(kind: LinkKind, source: { system: string; id: string }, targetSystem: string, db: DbOrTrx = this.db): Promise<Link | undefined> {
    const r = await db
      .selectFrom('links')
      .select(COLUMNS)
      .where('kind', '=', kind)
      .where('source_system', '=', source.system)
      .where('source_id', '=', source.id)
      .where('target_system', '=', targetSystem)
      .executeTakeFirst();
    return r ? toLink(r) : undefined;
  }

  /** The other way round: which source records a target record stands for. */
  async findByTarget(target: { system: string; id: string }, db: DbOrTrx = this.db): Promise<Link[]> {
    const rows = await db.selectFrom('links').select(COLUMNS).where('target_system', '=', target.system).where('target_id', '=', target.id).execute();
    return rows.map(toLink);
  }

  /** Links of one kind whose parent is `parentId` (the participants of a patient). */
  async children(kind: LinkKind, sourceSystem: string, parentId: string, db: DbOrTrx = this.db): Promise<Link[]> {
    const rows = await db
      .selectFrom('links')
      .select(COLUMNS)
      .where('kind', '=', kind)
      .where('source_system', '=', sourceSystem)
      .where('parent_id', '=', parentId)
      .orderBy('id')
      .execute();
    return rows.map(toLink);
  }

  /** Creates or replaces the link of (kind, source, target system). */
  async put(link: Link, db: DbOrTrx = this.db): Promise<void> {
    await this.putMany([link], db);
  }

  async putMany(given: Link[], db: DbOrTrx = this.db): Promise<void> {
    // PostgreSQL refuses an upsert touching one row twice: the last of a key wins.
    const links = [...new Map(given.map((l) => [`${l.kind}\u0000${l.sourceSystem}\u0000${l.sourceId}\u0000${l.targetSystem}`, l])).values()];
    const now = nowIso();
    for (let i = 0; i < links.length; i += 500) {
      await db
        .insertInto('links')
        .values(
          links.slice(i, i + 500).map((l) => ({
            kind: l.kind,
            source_system: l.sourceSystem,
            source_id: l.sourceId,
            target_system: l.targetSystem,
            target_id: l.targetId,
            parent_id: l.parentId ?? null,
            projection_hash: l.projectionHash ?? null,
            not_after: l.notAfter ?? null,
            updated_at: now,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['kind', 'source_system', 'source_id', 'target_system']).doUpdateSet((eb) => ({
            target_id: eb.ref('excluded.target_id'),
            parent_id: eb.ref('excluded.parent_id'),
            projection_hash: eb.ref('excluded.projection_hash'),
            not_after: eb.ref('excluded.not_after'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
  }

  /** Records what was last sent, leaving the rest of the link as it is. */
  async setProjection(kind: LinkKind, source: { system: string; id: string }, targetSystem: string, hash: string, db: DbOrTrx = this.db): Promise<void> {
    await db
      .updateTable('links')
      .set({ projection_hash: hash, updated_at: nowIso() })
      .where('kind', '=', kind)
      .where('source_system', '=', source.system)
      .where('source_id', '=', source.id)
      .where('target_system', '=', targetSystem)
      .execute();
  }

  /** Moves the children of one parent to another (a merge: the retired patient's participants). */
  async reparent(kind: LinkKind, sourceSystem: string, fromParent: string, toParent: string, db: DbOrTrx = this.db): Promise<number> {
    const r = await db
      .updateTable('links')
      .set({ parent_id: toParent, updated_at: nowIso() })
      .where('kind', '=', kind)
      .where('source_system', '=', sourceSystem)
      .where('parent_id', '=', fromParent)
      .executeTakeFirst();
    return Number(r.numUpdatedRows ?? 0);
  }

  async remove(kind: LinkKind, source: { system: string; id: string }, targetSystem: string, db: DbOrTrx = this.db): Promise<void> {
    await db
      .deleteFrom('links')
      .where('kind', '=', kind)
      .where('source_system', '=', source.system)
      .where('source_id', '=', source.id)
      .where('target_system', '=', targetSystem)
      .execute();
  }

  async count(kind: LinkKind, targetSystem: string): Promise<number> {
    const r = await this.db
      .selectFrom('links')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('kind', '=', kind)
      .where('target_system', '=', targetSystem)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}

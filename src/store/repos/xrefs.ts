import type { Db, DbOrTrx } from '../db.js';
import { nowIso } from '../db.js';

/**
 * Cross-references between a source record (EMR id, or the hash key of a record without one)
 * and the partner object that stands for it. Written in the same transaction as the row
 * outcome, read before every send, so a record is never created twice for one key.
 */
export interface Xref {
  sourceKey: string;
  partnerUrl: string;
  contentHash: string | null;
}

export class XrefStore {
  constructor(private readonly db: Db) {}

  async getMany(target: string, kind: string, keys: string[]): Promise<Map<string, Xref>> {
    const out = new Map<string, Xref>();
    for (let i = 0; i < keys.length; i += 500) {
      const rows = await this.db
        .selectFrom('xrefs')
        .select(['source_key', 'partner_url', 'content_hash'])
        .where('target', '=', target)
        .where('kind', '=', kind)
        .where('source_key', 'in', keys.slice(i, i + 500))
        .execute();
      for (const r of rows) out.set(r.source_key, { sourceKey: r.source_key, partnerUrl: r.partner_url, contentHash: r.content_hash });
    }
    return out;
  }

  async upsert(target: string, kind: string, x: Xref, trx: DbOrTrx = this.db): Promise<void> {
    const now = nowIso();
    await trx
      .insertInto('xrefs')
      .values({ target, kind, source_key: x.sourceKey, partner_url: x.partnerUrl, content_hash: x.contentHash, updated_at: now })
      .onConflict((oc) =>
        oc.columns(['target', 'kind', 'source_key']).doUpdateSet({ partner_url: x.partnerUrl, content_hash: x.contentHash, updated_at: now }),
      )
      .execute();
  }

  /**
   * Many cross-references in one statement (a batch of import outcomes). A key given twice is
   * written once, the last one winning: PostgreSQL refuses an upsert that touches a row twice,
   * and a record without a division has a scoped key equal to its bare key.
   */
  async upsertMany(target: string, kind: string, given: Xref[], trx: DbOrTrx = this.db): Promise<void> {
    const xs = [...new Map(given.map((x) => [x.sourceKey, x])).values()];
    const now = nowIso();
    for (let i = 0; i < xs.length; i += 500) {
      await trx
        .insertInto('xrefs')
        .values(xs.slice(i, i + 500).map((x) => ({ target, kind, source_key: x.sourceKey, partner_url: x.partnerUrl, content_hash: x.contentHash, updated_at: now })))
        .onConflict((oc) =>
          oc.columns(['target', 'kind', 'source_key']).doUpdateSet((eb) => ({
            partner_url: eb.ref('excluded.partner_url'),
            content_hash: eb.ref('excluded.content_hash'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
  }

  async remove(target: string, kind: string, sourceKey: string): Promise<void> {
    await this.db.deleteFrom('xrefs').where('target', '=', target).where('kind', '=', kind).where('source_key', '=', sourceKey).execute();
  }

  async count(target: string, kind: string): Promise<number> {
    const r = await this.db
      .selectFrom('xrefs')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('target', '=', target)
      .where('kind', '=', kind)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}

import { randomBytes } from 'node:crypto';
import type { Db } from '../../store/db.js';

/**
 * What the feed keeps between starts, in the `settings` table (key/value, no migration needed):
 * the poll cursor per resource type, the rest-hook token, the Subscriptions it created. Values
 * written with insert-if-absent where processes may race (two starting at once on one
 * PostgreSQL agree on the first value), as the FHIR API's page-token secret is.
 */
export const FEED_TYPES = ['Patient', 'Appointment'] as const;
export type FeedType = (typeof FEED_TYPES)[number];

const KEYS = {
  cursor: (type: FeedType) => `fhir_feed.cursor.${type}`,
  hookToken: 'fhir_feed.hook_token',
  subscriptions: 'fhir_feed.subscriptions',
} as const;

async function insertIfAbsent(db: Db, key: string, value: string): Promise<string> {
  await db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute();
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return row.value;
}

async function upsert(db: Db, key: string, value: string): Promise<void> {
  await db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute();
}

export class FeedState {
  constructor(private readonly db: Db) {}

  /** The cursor of a type: the stored one, else `initial` stored now (a first start). */
  cursor(type: FeedType, initial: string): Promise<string> {
    return insertIfAbsent(this.db, KEYS.cursor(type), initial);
  }

  /**
   * Moves a cursor forward only (two processes polling at once never move it back): written
   * when the new value is later than the stored one (ISO instants in UTC compare as text).
   */
  async advance(type: FeedType, to: string): Promise<void> {
    await this.db.updateTable('settings').set({ value: to }).where('key', '=', KEYS.cursor(type)).where('value', '<', to).execute();
  }

  /** The secret in the rest-hook URL, generated once. */
  hookToken(): Promise<string> {
    return insertIfAbsent(this.db, KEYS.hookToken, randomBytes(32).toString('base64url'));
  }

  /** Subscriptions created on the server: {server base, endpoint, ids}. */
  async subscriptions(): Promise<{ base: string; endpoint: string; ids: string[] } | null> {
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', KEYS.subscriptions).executeTakeFirst();
    if (!row) return null;
    try {
      return JSON.parse(row.value) as { base: string; endpoint: string; ids: string[] };
    } catch {
      return null;
    }
  }

  setSubscriptions(v: { base: string; endpoint: string; ids: string[] }): Promise<void> {
    return upsert(this.db, KEYS.subscriptions, JSON.stringify(v));
  }
}

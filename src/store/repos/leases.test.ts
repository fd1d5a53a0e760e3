import { afterEach, describe, expect, it, vi } from 'vitest';
import { DIALECTS, testStore, type TestStore } from '../../../test/helpers/stores.js';
import { Leases } from './leases.js';

describe.each(DIALECTS)('leases on %s', (dialect) => {
  let store: TestStore | undefined;
  afterEach(async () => store?.dispose());

  it('gives a lease to one holder at a time and frees it on release or expiry', async () => {
    store = await testStore(dialect);
    const a = new Leases(store.db, 60_000);
    const b = new Leases(store.db, 60_000);
    expect(await a.claim('chunk-1')).toBe(true);
    expect(await b.claim('chunk-1')).toBe(false);
    expect(await a.claim('chunk-1')).toBe(true);
    await a.release('chunk-1');
    expect(await b.claim('chunk-1')).toBe(true);

    const short = new Leases(store.db, 1);
    expect(await short.claim('chunk-2')).toBe(true);
    await new Promise((r) => setTimeout(r, 10));
    expect(await b.claim('chunk-2')).toBe(true);
  });

  it('tells the holder when a live worker took its lease over, so it stops sending', async () => {
    store = await testStore(dialect);
    const stalled = new Leases(store.db, 600);
    const live = new Leases(store.db, 60_000);
    let claimedByLive = false;
    const reason = await stalled.hold('chunk-4', async (lost) => {
      // This process stalled past the TTL (as a long GC pause would): the lease expired and the
      // queue handed the chunk's job to a live worker, which claims it.
      await store!.db.updateTable('leases').set({ expires_at: new Date(Date.now() - 1000).toISOString(), host: 'another-host' }).where('name', '=', 'chunk-4').execute();
      claimedByLive = await live.claim('chunk-4');
      await new Promise<void>((resolve) => lost.addEventListener('abort', () => resolve(), { once: true }));
      return lost.reason as Error;
    });
    expect(claimedByLive).toBe(true);
    expect(reason.name).toBe('LeaseLost');
    // Leaving does not free the lease the live worker holds now.
    expect(await new Leases(store.db, 60_000).claim('chunk-4')).toBe(false);
  });

  it('keeps time on the database clock: a process whose clock runs ahead takes no live lease', async () => {
    store = await testStore(dialect);
    expect(await new Leases(store.db, 60_000).claim('chunk-5')).toBe(true);
    const before = await store.db.selectFrom('leases').select(['holder', 'expires_at']).where('name', '=', 'chunk-5').executeTakeFirstOrThrow();
    // This process's clock five minutes ahead of the database's (another machine's, say).
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 5 * 60_000);
      expect(await new Leases(store.db, 60_000).claim('chunk-5')).toBe(false);
    } finally {
      vi.useRealTimers();
    }
    expect(await store.db.selectFrom('leases').select(['holder', 'expires_at']).where('name', '=', 'chunk-5').executeTakeFirstOrThrow()).toEqual(before);
  });

  it('takes over a lease whose holder process on this host is gone', async () => {
    store = await testStore(dialect);
    await store.db
      .insertInto('leases')
      .values({ name: 'chunk-3', holder: 'dead', host: (await import('node:os')).hostname(), pid: 2 ** 22 + 17, expires_at: '2999-01-01T00:00:00.000Z' })
      .execute();
    expect(await new Leases(store.db).claim('chunk-3')).toBe(true);
  });
});

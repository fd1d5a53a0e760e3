import pino from 'pino';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageStore } from '../../messages/message-store.js';
import { DIALECTS, testStore, type TestStore } from '../../../test/helpers/stores.js';
import { OncallHookChannel } from './channel.js';
import { signOncallBody } from './signature.js';

const BASE = 'https://api.oncallhealth.ca';
const SECRET = 'channel-test-secret';

for (const dialect of DIALECTS) {
  describe(`OncallHookChannel storing (${dialect})`, { timeout: 60_000 }, () => {
    let store: TestStore | undefined;
    afterEach(async () => {
      await store?.dispose();
      store = undefined;
    });

    async function setup(secret: string | null = SECRET) {
      store = await testStore(dialect);
      let wakes = 0;
      const ch = new OncallHookChannel({
        messages: new MessageStore(store.db, store.dialect),
        baseUrl: () => BASE,
        secret: () => secret ?? undefined,
        path: '/hooks/oncall',
        wake: () => wakes++,
        logger: pino({ level: 'silent' }),
      });
      await ch.start();
      const count = async (table: 'messages' | 'message_patients') =>
        Number((await store!.db.selectFrom(table).select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow()).n);
      return { ch, count, wakes: () => wakes, store };
    }

    const body = (url = `${BASE}/appointments/5/`) => Buffer.from(JSON.stringify({ event: 'appointment_created', url }));

    it('stores one message per delivery, wakes the processor, and counts it', async () => {
      const { ch, count, wakes } = await setup();
      const raw = body();
      const a = await ch.handle(raw, signOncallBody(raw, SECRET), '127.0.0.1');
      expect(a).toMatchObject({ status: 202, messageId: expect.any(Number) });
      expect(await count('messages')).toBe(1);
      expect(await count('message_patients')).toBe(1);
      expect(wakes()).toBe(1);
      expect(ch.status()).toMatchObject({ received: 1, rejected: 0, errors: 0, detail: 'POST /hooks/oncall, signed deliveries only' });
    });

    it('without a secret configured, takes unsigned deliveries (a real account with none set)', async () => {
      const { ch, count } = await setup(null);
      expect((await ch.handle(body())).status).toBe(202);
      expect(await count('messages')).toBe(1);
      expect(ch.status().detail).toBe('POST /hooks/oncall');
    });

    it('a store that refuses the write answers 503 with nothing half-written (no message, no key row)', async () => {
      const { ch, count, store: s } = await setup();
      // A real refusal by the database, not a mock: a trigger that aborts every insert of a message.
      if (dialect === 'sqlite') {
        await sql`CREATE TRIGGER refuse_messages BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'refused for the test'); END`.execute(s.db);
      } else {
        await sql`CREATE FUNCTION refuse_messages() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$ LANGUAGE plpgsql`.execute(s.db);
        await sql`CREATE TRIGGER refuse_messages BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_messages()`.execute(s.db);
      }
      const raw = body();
      expect(await ch.handle(raw, signOncallBody(raw, SECRET))).toEqual({ status: 503, error: 'The webhook could not be stored; send it again.' });
      expect(await count('messages')).toBe(0);
      expect(await count('message_patients')).toBe(0);
      expect(ch.status()).toMatchObject({ errors: 1, received: 0, lastError: expect.stringMatching(/^store failed/) });
      expect(ch.status().lastError).not.toContain('appointments');
    });

    it('a stopped channel stores nothing (503), and refusals are counted as rejected', async () => {
      const { ch, count } = await setup();
      expect((await ch.handle(Buffer.alloc(70 * 1024, 32), undefined)).status).toBe(413);
      const raw = body(`${BASE}/contacts/5/`);
      expect((await ch.handle(raw, signOncallBody(raw, SECRET))).status).toBe(422);
      expect(ch.status().rejected).toBe(2);
      await ch.stop();
      const ok = body();
      expect((await ch.handle(ok, signOncallBody(ok, SECRET))).status).toBe(503);
      expect(ch.status().state).toBe('stopped');
      expect(await count('messages')).toBe(0);
    });
  });
}

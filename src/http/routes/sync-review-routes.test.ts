import type { Bundle, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTIFIER_SYSTEMS } from '../../domain/identifiers.js';
import type { Contact } from '../../partners/oncall/schemas.js';
import { DIALECTS } from '../../../test/helpers/stores.js';
import { startSyncServer, type SyncServer } from '../../../test/helpers/sync-server.js';
import { until } from '../../../test/helpers/until.js';

/**
 * The match reviews API (issue 9: "an uncertain match is never merged silently: it waits for a
 * person") in a real engine with its sandbox FHIR EMR and OnCall sandbox, on SQLite and
 * PostgreSQL. An EMR patient with the same name and birth date as a new OnCall contact but
 * another e-mail opens a review; link writes the link and processes the message again; create
 * makes one EMR patient; bad bodies are 400 and write nothing; a second decision is 409.
 */
for (const dialect of DIALECTS) {
  describe(`match reviews API (${dialect})`, { timeout: 120_000 }, () => {
    let h: SyncServer;
    let emr: string;
    let cookie: string;
    let division: string;
    let provider: string;

    const call = async (path: string, body?: unknown, auth = true) => {
      const res = await fetch(`${h.server.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { ...(auth ? { cookie, origin: h.server.url } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const searchEmr = async (query: string): Promise<Patient[]> => {
      const res = await fetch(`${emr}/Patient?${query}`);
      expect(res.status).toBe(200);
      return ((await res.json()) as Bundle).entry?.map((e) => e.resource as Patient) ?? [];
    };
    const byOncallUrl = (url: string) => searchEmr(`identifier=${encodeURIComponent(`${IDENTIFIER_SYSTEMS.oncallUrl}|${url}`)}`);

    /** An EMR patient and an OnCall contact alike but for the e-mail, then a scan: one open review for the contact. */
    const uncertain = async (given: string, family: string, birthDate: string) => {
      const res = await fetch(`${emr}/Patient`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Patient', name: [{ family, given: [given] }], birthDate, telecom: [{ system: 'email', value: `${given}.emr@example.org`.toLowerCase() }] }),
      });
      expect(res.status).toBe(201);
      const emrPatient = (await res.json()) as Patient;
      const contact: Contact = await h.client.createContact({
        name: `${given} ${family}`, first_name: given, last_name: family, email: `${given}.oncall@example.org`.toLowerCase(), date_of_birth: birthDate, division, provider,
      } as never);
      await h.server.sync.scan!.scan('contacts');
      await h.idle();
      const review = await until(async () => {
        const r = await call('/api/sync/reviews');
        return r.body.reviews.find((x: any) => x.platformUrl === contact.url);
      }, 30_000, 'the review of the contact');
      return { emrId: emrPatient.id!, contact, review };
    };

    beforeAll(async () => {
      h = await startSyncServer(dialect, { back: true }, { EHR_BRIDGE_ONCALL_SCAN_EVERY: 'off' });
      emr = `${h.server.ctx.engineUrl}/sandbox/fhir-emr`;
      const res = await fetch(`${h.server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password: 'correct horse battery' }) });
      cookie = res.headers.get('set-cookie')!.split(';')[0]!;
      division = (await h.client.listDivisions())[0]!.url;
      provider = (await h.client.listProviders())[0]!.url;
    });
    afterAll(async () => {
      await h?.close();
    });

    it('lists an uncertain match with its candidate, and link pairs them and processes the message again', async () => {
      const { emrId, contact, review } = await uncertain('Zofia', 'Quillfeather', '1961-03-14');
      expect(review).toMatchObject({ kind: 'patient', status: 'open', reason: expect.stringContaining('same name and birth date') });
      expect(review.reason).toContain('different');
      expect(review.candidates).toEqual([{ emrId, name: 'Zofia Quillfeather', birthDate: '1961-03-14', found: true }]);
      expect(review.messageId).toEqual(expect.any(Number));
      // Nothing was created while it waits.
      expect(await byOncallUrl(contact.url)).toHaveLength(0);
      expect((await call('/api/sync/reviews', undefined, false)).status).toBe(401);

      // Bad bodies: 400 with the field, nothing decided.
      const noId = await call(`/api/sync/reviews/${review.id}/decision`, { decision: 'link' });
      expect(noId.status).toBe(400);
      expect(noId.body.fieldErrors).toHaveProperty('emrId');
      const stranger = await call(`/api/sync/reviews/${review.id}/decision`, { decision: 'link', emrId: 'not-a-candidate' });
      expect(stranger.status).toBe(400);
      expect(stranger.body.fieldErrors).toHaveProperty('emrId');
      const badDecision = await call(`/api/sync/reviews/${review.id}/decision`, { decision: 'merge' });
      expect(badDecision.status).toBe(400);
      expect(badDecision.body.fieldErrors).toHaveProperty('decision');
      expect((await call(`/api/sync/reviews/${review.id}/decision`, { decision: 'ignore', extra: 1 })).status).toBe(400);
      expect((await call('/api/sync/reviews/abc/decision', { decision: 'ignore' })).status).toBe(400);
      expect((await call('/api/sync/reviews/999999/decision', { decision: 'ignore' })).status).toBe(404);
      expect((await call('/api/sync/reviews')).body.reviews.find((x: any) => x.id === review.id)?.status).toBe('open');

      const linked = await call(`/api/sync/reviews/${review.id}/decision`, { decision: 'link', emrId });
      expect(linked.status).toBe(200);
      expect(linked.body).toMatchObject({ review: { status: 'linked', resolvedTo: emrId, resolvedBy: 'admin' }, reprocessing: true });
      const link = await h.server.ctx.store.db
        .selectFrom('links')
        .selectAll()
        .where('source_system', '=', 'oncall')
        .where('source_id', '=', contact.url)
        .where('kind', '=', 'patient')
        .executeTakeFirst();
      expect(link?.target_id).toBe(emrId);
      // The message is processed again: processed, and no second EMR patient for the contact.
      await until(async () => {
        const m = await h.server.ctx.store.db.selectFrom('messages').select('status').where('id', '=', review.messageId).executeTakeFirst();
        return m?.status === 'processed' ? true : undefined;
      }, 30_000, 'the message processed again');
      expect((await searchEmr('family=Quillfeather')).map((p) => p.id)).toEqual([emrId]);
      expect((await call('/api/sync/reviews')).body.reviews.find((x: any) => x.id === review.id)).toBeUndefined();
      expect((await call('/api/sync/reviews?status=linked')).body.reviews.map((x: any) => x.id)).toContain(review.id);

      // Twice: 409, nothing changes.
      const again = await call(`/api/sync/reviews/${review.id}/decision`, { decision: 'create' });
      expect(again.status).toBe(409);
      expect(await byOncallUrl(contact.url)).toHaveLength(0);
    });

    it('create makes one new EMR patient for the contact', async () => {
      const { emrId, contact, review } = await uncertain('Ines', 'Marrowdale', '1975-11-02');
      const created = await call(`/api/sync/reviews/${review.id}/decision`, { decision: 'create' });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({ review: { status: 'created' }, reprocessing: true });
      const [made] = await until(async () => {
        const found = await byOncallUrl(contact.url);
        return found.length ? found : undefined;
      }, 30_000, 'the new EMR patient');
      expect(made!.id).not.toBe(emrId);
      await h.idle();
      expect(await byOncallUrl(contact.url)).toHaveLength(1);
      expect((await searchEmr('family=Marrowdale')).length).toBe(2);
      expect((await call(`/api/sync/reviews/${review.id}/decision`, { decision: 'ignore' })).status).toBe(409);
    });
  });
}

import type { Appointment, Bundle, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testStore, type TestStore } from '../../../../../test/helpers/stores.js';
import { IDENTIFIER_SYSTEMS } from '../../../../domain/identifiers.js';
import { EffectStore } from '../../../../effects/effect-store.js';
import { LinkStore } from '../../../../links/link-store.js';
import { MessageStore } from '../../../../messages/message-store.js';
import { FhirEmrWriter } from '../../../../partners/fhir-emr/fhir-emr-writer.js';
import { OncallClient } from '../../../../partners/oncall/client.js';
import { isPartnerError } from '../../../../partners/partner-error.js';
import { startTestHost, type TestHost } from '../../../../sandboxes/fhir-emr/test-host.js';
import { DEFAULT_ONCALL_SANDBOX_API_KEY } from '../../../../sandboxes/oncall/plugin.js';
import { appointmentBody, contactBody, startSandbox, type RunningSandbox } from '../../../../sandboxes/oncall/test-harness.js';
import { syncSettings } from '../../settings.js';
import { OncallPlatformSource } from '../../sources/oncall/oncall-platform-source.js';
import type { PlatformRecordEvent } from '../../platform-events.js';
import { Trace } from '../../trace.js';
import { OncallPlacements } from '../oncall/defaults.js';
import { OncallSyncTarget } from '../oncall/oncall-sync-target.js';
import { ONCALL_PARTICIPANT_URL_SYSTEM } from './deps.js';
import { EmrTarget } from './emr-target.js';
import { decideReview } from './review-decisions.js';
import { emrTargetSettings } from './settings.js';

/**
 * The EMR target against real sandboxes (OnCall and the FHIR EMR, over HTTP) and a real store on
 * both dialects. The only injected fault is the EMR refusing a create (422), which the sandbox
 * has no content rule for that OnCall data can break.
 */
for (const dialect of DIALECTS) {
  describe(`EMR target: OnCall -> FHIR EMR (${dialect})`, { timeout: 120_000 }, () => {
    let oncall: RunningSandbox;
    let emr: TestHost;
    let store: TestStore;
    let client: OncallClient;
    let writer: FhirEmrWriter;
    let links: LinkStore;
    let target: EmrTarget;
    let refuseCreates = false;
    let slowCreates = 0;
    let messageId = 1;

    const targetWith = (env: NodeJS.ProcessEnv = {}, w?: FhirEmrWriter) =>
      new EmrTarget({
        source: new OncallPlatformSource({ client: () => client, emrIdField: '1', emrIdMetadataKey: 'emr_id' }),
        writer: w ?? writer,
        links,
        effects: new EffectStore(store.db),
        db: store.db,
        settings: emrTargetSettings(env),
        settleMs: 0,
      });

    beforeAll(async () => {
      oncall = await startSandbox({}, '/oncall');
      emr = await startTestHost({
        seed: false,
        setup: (app) => {
          // The EMR stores the create but answers after the writer gave up waiting (ambiguous). Undici's
          // timers are coarse (up to a second late): the answer comes well after.
          app.addHook('onSend', async (req, _reply, payload) => {
            if (slowCreates > 0 && req.method === 'POST' && /\/Patient(\?|$)/.test(req.url)) {
              slowCreates--;
              await new Promise((r) => setTimeout(r, 2500));
            }
            return payload;
          });
          app.addHook('onRequest', async (req, reply) => {
            if (refuseCreates && req.method === 'POST' && /\/(Patient|Appointment)(\?|$)/.test(req.url)) {
              await reply
                .code(422)
                .header('content-type', 'application/fhir+json')
                .send({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'business-rule', expression: ['Patient.name'] }] });
            }
          });
        },
      });
      store = await testStore(dialect);
      client = new OncallClient({ baseUrl: oncall.base, apiKey: DEFAULT_ONCALL_SANDBOX_API_KEY, requestsPerSecond: 0, maxRetries: 0, timeoutMs: 5000 });
      writer = new FhirEmrWriter({ baseUrl: emr.baseUrl, maxRetries: 0 });
      links = new LinkStore(store.db);
      target = targetWith();
    });
    afterAll(async () => {
      await writer?.close();
      await client?.close();
      await emr?.close();
      await oncall?.close();
      await store?.dispose();
    });

    const run = async (ev: Omit<PlatformRecordEvent, 'type' | 'system' | 'via'> & { via?: string }, t: EmrTarget = target, id = messageId++) => {
      const trace = new Trace();
      await t.record({ type: 'platform-record', system: 'oncall', via: 'scan', ...ev }, { messageId: id, trace });
      return {
        trace,
        decisions: trace.entries.filter((e) => e.kind === 'decision').map((e) => String(e.detail.summary)),
        writes: trace.entries.filter((e) => e.kind === 'call' && ['POST', 'PUT'].includes(String(e.detail.method))).length,
      };
    };
    const fhir = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${emr.baseUrl}/${path}`, {
        method,
        headers: { 'content-type': 'application/fhir+json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      expect(res.status, `${method} ${path}`).toBeLessThan(300);
      return (await res.json()) as T;
    };
    const search = async <T>(type: string, query: string): Promise<T[]> => ((await fhir<Bundle>('GET', `${type}?${query}`)).entry ?? []).map((e) => e.resource as T);
    const byUrl = <T = Patient>(type: string, system: string, url: string) => search<T>(type, `identifier=${encodeURIComponent(`${system}|${url}`)}`);
    const newContact = async (over: Record<string, unknown>) => {
      const r = await oncall.call('POST', '/contacts/', contactBody(oncall.base, over));
      expect(r.status).toBe(201);
      return r.body as { url: string };
    };
    const reverse = (kind: 'patient' | 'appointment', url: string) => links.find(kind, { system: 'oncall', id: url }, 'emr');

    it('a new contact becomes one EMR patient with its OnCall URL, linked both ways; the same event again writes nothing', async () => {
      const c = await newContact({ name: 'Ines Garnier', first_name: 'Ines', last_name: 'Garnier', email: 'ines@example.org', date_of_birth: '1981-02-03' });
      const first = await run({ kind: 'patient', id: c.url });
      expect(first.decisions).toContain('EMR patient created from the OnCall contact');
      const second = await run({ kind: 'patient', id: c.url });
      expect(second.decisions).toEqual(['Nothing the EMR holds changed: no write']);
      expect(second.writes).toBe(0);
      const found = await byUrl('Patient', IDENTIFIER_SYSTEMS.oncallUrl, c.url);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ name: [{ family: 'Garnier', given: ['Ines'] }], birthDate: '1981-02-03' });
      expect((await reverse('patient', c.url))?.targetId).toBe(found[0]!.id);
      expect((await links.find('patient', { system: 'emr', id: found[0]!.id! }, 'oncall'))?.targetId).toBe(c.url);
    });

    it('a certain demographic match is linked, not created', async () => {
      const p = await fhir<Patient>('POST', 'Patient', {
        resourceType: 'Patient',
        name: [{ family: 'Lindqvist', given: ['Maja'] }],
        birthDate: '1990-07-08',
        telecom: [{ system: 'email', value: 'Maja@Example.org' }],
      });
      const c = await newContact({ name: 'Maja Lindqvist', first_name: 'Maja', last_name: 'Lindqvist', email: 'maja@example.org', date_of_birth: '1990-07-08' });
      const r = await run({ kind: 'patient', id: c.url });
      expect(r.decisions[0]).toBe('The EMR patient was matched on family, given, birthDate, email: linked');
      expect(r.writes).toBe(0);
      expect(await search('Patient', 'family=Lindqvist')).toHaveLength(1);
      expect((await reverse('patient', c.url))?.targetId).toBe(p.id);
    });

    it('an uncertain match opens one review, creates nothing, and a second message adds nothing', async () => {
      const p = await fhir<Patient>('POST', 'Patient', {
        resourceType: 'Patient',
        name: [{ family: 'Okafor', given: ['Chidi'] }],
        birthDate: '1970-01-02',
        telecom: [{ system: 'email', value: 'chidi@emr.example' }],
      });
      const c = await newContact({ name: 'Chidi Okafor', first_name: 'Chidi', last_name: 'Okafor', email: 'chidi@oncall.example', date_of_birth: '1970-01-02' });
      // A stored message, so that the person's decision can send it back to processing.
      const messages = new MessageStore(store.db, store.dialect);
      const stored = await messages.receive({
        channel: 'oncall-scan',
        raw: Buffer.from('{}'),
        header: { sendingApplication: 'oncall', sendingFacility: '', controlId: `contact:${c.url}:h1`, messageType: 'SCAN', event: 'contact', version: '' },
        status: 'received',
        patientIds: [`oncall:${c.url}`],
        ack: null,
        ackCode: null,
      });
      const r = await run({ kind: 'patient', id: c.url }, target, stored.id);
      await messages.setStatus(stored.id, 'processed');
      expect(r.decisions).toHaveLength(1);
      expect(r.decisions[0]).toMatch(new RegExp(`^Waiting for a person: possible match with EMR patient\\(s\\) ${p.id} \\(same name and birth date, different email\\); review \\d+ opened`));
      expect(r.decisions[0]).not.toMatch(/chidi|okafor|example/i);
      const again = await run({ kind: 'patient', id: c.url });
      expect(again.decisions[0]).toMatch(/^Still waiting for a person: review \d+ is already open/);
      const rows = await store.db.selectFrom('sync_reviews').selectAll().where('platform_id', '=', c.url).execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 'open', kind: 'patient', platform_system: 'oncall', candidates: JSON.stringify([p.id]) });
      expect(await search('Patient', 'family=Okafor')).toHaveLength(1);
      expect(await reverse('patient', c.url)).toBeUndefined();

      // A person decides it is the same patient: linked, the review closed, its message sent back to processing.
      const decided = await decideReview(store.db, links, Number(rows[0]!.id), { action: 'link', emrPatientId: p.id! }, 'admin');
      expect(decided).toMatchObject({ ok: true, requeued: true, review: { status: 'linked', resolvedTo: p.id, resolvedBy: 'admin' } });
      expect(await decideReview(store.db, links, Number(rows[0]!.id), { action: 'ignore' }, 'admin')).toEqual({ ok: false, reason: 'already decided' });
      expect((await store.db.selectFrom('messages').select('status').where('id', '=', stored.id).executeTakeFirst())?.status).toBe('received');
      expect((await reverse('patient', c.url))?.targetId).toBe(p.id);
      const after = await run({ kind: 'patient', id: c.url }, target, stored.id);
      // The e-mail that made the match uncertain (and the sex OnCall has) stay the EMR's.
      expect(after.decisions).toEqual(['OnCall changed gender, email, which the EMR owns: not written']);
      expect(after.writes).toBe(0);
      expect(await search('Patient', 'family=Okafor')).toHaveLength(1);
    });

    it('a change to a field the EMR owns is reported, not written, and not reported again; an OnCall-owned field is written', async () => {
      const c = await newContact({ name: 'Tom Baker', first_name: 'Tom', last_name: 'Baker', email: 'tom@example.org', date_of_birth: '1960-04-05', phone: '2125550100' });
      await run({ kind: 'patient', id: c.url });
      const [before] = await byUrl('Patient', IDENTIFIER_SYSTEMS.oncallUrl, c.url);
      expect((await oncall.call('PATCH', new URL(c.url).pathname.replace(/^\/oncall/, ''), { email: 'tom.baker@example.org' })).status).toBe(200);
      const r = await run({ kind: 'patient', id: c.url });
      expect(r.decisions).toEqual(['OnCall changed email, which the EMR owns: not written']);
      expect(r.writes).toBe(0);
      const [unchanged] = await byUrl('Patient', IDENTIFIER_SYSTEMS.oncallUrl, c.url);
      expect(unchanged!.telecom).toEqual(before!.telecom);
      expect((await run({ kind: 'patient', id: c.url })).decisions).toEqual(['Nothing the EMR holds changed: no write']);

      // With the e-mail owned by OnCall, the same difference is written (a new target: the hash
      // is the same, so the stored one is cleared to compare again).
      await links.put({ ...(await reverse('patient', c.url))!, projectionHash: null });
      const owned = await run({ kind: 'patient', id: c.url }, targetWith({ EHR_BRIDGE_SYNC_OWNERS: 'patient=emr,patient.email=oncall' }));
      expect(owned.decisions).toEqual(['EMR patient updated: email']);
      const [written] = await byUrl('Patient', IDENTIFIER_SYSTEMS.oncallUrl, c.url);
      expect(written!.telecom).toEqual([
        { system: 'email', value: 'tom.baker@example.org' },
        { system: 'phone', value: '2125550100' },
      ]);
      expect(written!.name).toEqual(before!.name);
    });

    it('echo: a contact and an appointment the forward sync wrote from the EMR make no EMR write when OnCall reports them', async () => {
      const settings = syncSettings({});
      const forward = new OncallSyncTarget({
        client: () => client,
        links,
        effects: new EffectStore(store.db),
        placements: new OncallPlacements(() => client, () => oncall.base, settings),
        settings,
        emrIdField: '1',
        emrIdMetadataKey: 'emr_id',
        settleMs: 0,
      });
      const p = await fhir<Patient>('POST', 'Patient', {
        resourceType: 'Patient',
        name: [{ use: 'official', family: 'Nakamura', given: ['Yuki'] }],
        birthDate: '1988-09-10',
        gender: 'female',
        telecom: [{ system: 'email', value: 'yuki@example.org' }, { system: 'phone', value: '+1 212 555 0199' }],
      });
      const withId = (x: Patient) => ({ ...x, identifier: [{ system: IDENTIFIER_SYSTEMS.emr, value: x.id! }] });
      await forward.patient({ type: 'patient-upsert', emrPatientId: p.id!, patient: withId(p) }, { messageId: messageId++, trace: new Trace() });
      const contact = (await links.find('patient', { system: 'emr', id: p.id! }, 'oncall'))!.targetId;
      const echo = await run({ kind: 'patient', id: contact });
      expect(echo.decisions).toEqual(['Nothing the EMR holds changed: no write']);
      expect(echo.trace.calls).toBe(1); // the GET of the contact, nothing to the EMR

      const start = '2031-03-04T14:00:00Z';
      const a = await fhir<Appointment>('POST', 'Appointment', {
        resourceType: 'Appointment',
        status: 'booked',
        start,
        end: '2031-03-04T14:30:00Z',
        appointmentType: { coding: [{ code: 'VIDEOCONF' }] },
        participant: [{ actor: { reference: `Patient/${p.id}` }, status: 'accepted' }],
      });
      await forward.appointment(
        { type: 'appointment-upsert', emrAppointmentId: a.id!, emrPatientIds: [p.id!], appointment: { ...a, identifier: [{ system: IDENTIFIER_SYSTEMS.emr, value: a.id! }] }, change: 'new', patients: [withId(p)] },
        { messageId: messageId++, trace: new Trace() },
      );
      const apptUrl = (await links.find('appointment', { system: 'emr', id: a.id! }, 'oncall'))!.targetId;
      const hook = await run({ kind: 'appointment', id: apptUrl, via: 'appointment_created' });
      expect(hook.decisions[0]).toBe('Nothing the EMR holds changed: no write');
      expect(hook.writes).toBe(0);
      expect(await search('Appointment', `patient=Patient/${p.id}`)).toHaveLength(1);
    });

    it('the forward sync links an EMR patient that carries its OnCall contact URL instead of creating a second contact', async () => {
      const c = await newContact({ name: 'Rosa Parks', first_name: 'Rosa', last_name: 'Parks', email: 'rosa@example.org' });
      const p = await fhir<Patient>('POST', 'Patient', {
        resourceType: 'Patient',
        identifier: [{ system: IDENTIFIER_SYSTEMS.oncallUrl, value: c.url }],
        name: [{ family: 'Parks', given: ['Rosa'] }],
        telecom: [{ system: 'email', value: 'rosa@example.org' }],
      });
      const settings = syncSettings({});
      const forward = new OncallSyncTarget({
        client: () => client,
        links,
        effects: new EffectStore(store.db),
        placements: new OncallPlacements(() => client, () => oncall.base, settings),
        settings,
        emrIdField: '1',
        emrIdMetadataKey: 'emr_id',
        settleMs: 0,
      });
      const before = (await oncall.call('GET', '/contacts/?page_size=1')).body.count as number;
      const trace = new Trace();
      await forward.patient({ type: 'patient-upsert', emrPatientId: p.id!, patient: { ...p, identifier: [...p.identifier!, { system: IDENTIFIER_SYSTEMS.emr, value: p.id! }] } }, { messageId: messageId++, trace });
      expect(trace.entries.some((e) => e.kind === 'decision' && String(e.detail.summary).startsWith('The EMR patient came from OnCall'))).toBe(true);
      expect((await oncall.call('GET', '/contacts/?page_size=1')).body.count).toBe(before);
      expect((await links.find('patient', { system: 'emr', id: p.id! }, 'oncall'))?.targetId).toBe(c.url);
      expect((await reverse('patient', c.url))?.targetId).toBe(p.id);
    });

    it('an appointment booked in OnCall is created once with its participant, then rescheduled, then cancelled', async () => {
      const booked = await oncall.call('POST', '/appointments/', appointmentBody(oncall.base, {
        datetime: '2032-05-06T09:00:00Z',
        duration: 45,
        participants: [{ name: 'Ana Souza', first_name: 'Ana', last_name: 'Souza', email: 'ana@example.org', fee: 0 }],
      }));
      expect(booked.status).toBe(201);
      const url = booked.body.url as string;
      const participant = booked.body.participants[0].url as string;

      const created = await run({ kind: 'appointment', id: url, via: 'appointment_created' });
      expect(created.decisions).toEqual(['EMR patient created from the OnCall participant', 'EMR appointment created with 1 patient(s)']);
      const again = await run({ kind: 'appointment', id: url, via: 'appointment_updated' });
      expect(again.decisions).toEqual(['Nothing the EMR holds changed: no write', 'Already up to date in the EMR: nothing written']);
      expect(again.writes).toBe(0);

      const [appt] = await byUrl<Appointment>('Appointment', IDENTIFIER_SYSTEMS.oncallUrl, url);
      expect(appt).toMatchObject({ status: 'booked', start: '2032-05-06T09:00:00Z', end: '2032-05-06T09:45:00Z' });
      expect(appt!.identifier).toContainEqual({ system: ONCALL_PARTICIPANT_URL_SYSTEM, value: participant });
      const [patient] = await byUrl('Patient', ONCALL_PARTICIPANT_URL_SYSTEM, participant);
      expect(patient).toMatchObject({ name: [{ family: 'Souza', given: ['Ana'] }] });
      expect(appt!.participant).toEqual([{ actor: { reference: `Patient/${patient!.id}` }, status: 'accepted' }]);
      // The forward sync's participant row: its PATCHes reach this participant when the EMR patient changes.
      expect(await links.children('participant', 'emr', patient!.id!)).toMatchObject([{ targetId: participant, sourceId: `${appt!.id}/${patient!.id}` }]);

      // Participant links lost (a restore, a person's cleanup): found again by its URL in the EMR, linked, not added twice.
      await store.db.deleteFrom('links').where('kind', '=', 'participant').where((eb) => eb.or([eb('target_id', '=', participant), eb('source_id', '=', participant)])).execute();
      const relinked = await run({ kind: 'appointment', id: url, via: 'appointment_updated' });
      expect(relinked.decisions).toEqual(['Already up to date in the EMR: nothing written']);
      expect(relinked.writes).toBe(0);
      expect(await links.children('participant', 'emr', patient!.id!)).toHaveLength(1);

      const path = new URL(url).pathname.replace(/^\/oncall/, '');
      expect((await oncall.call('PATCH', path, { datetime: '2032-05-07T10:00:00Z' })).status).toBe(200);
      const moved = await run({ kind: 'appointment', id: url, via: 'appointment_updated' });
      expect(moved.decisions[0]).toBe('EMR appointment rescheduled: start, end');
      expect((await fhir<Appointment>('GET', `Appointment/${appt!.id}`)).start).toBe('2032-05-07T10:00:00Z');

      expect((await oncall.call('PATCH', path, { cancelled: true })).status).toBe(200);
      const cancelled = await run({ kind: 'appointment', id: url, via: 'appointment_updated' });
      expect(cancelled.decisions[0]).toBe('EMR appointment cancelled: status');
      expect((await fhir<Appointment>('GET', `Appointment/${appt!.id}`)).status).toBe('cancelled');
      expect(await search('Appointment', `identifier=${encodeURIComponent(`${IDENTIFIER_SYSTEMS.oncallUrl}|${url}`)}`)).toHaveLength(1);
    });

    it('an appointment booked in OnCall for a patient the EMR has (same name and e-mail) uses that patient; a no-show follows', async () => {
      const p = await fhir<Patient>('POST', 'Patient', {
        resourceType: 'Patient',
        name: [{ family: 'Dubois', given: ['Marc'] }],
        birthDate: '1966-03-02',
        telecom: [{ system: 'email', value: 'marc.dubois@example.org' }],
      });
      const booked = await oncall.call('POST', '/appointments/', appointmentBody(oncall.base, {
        participants: [{ name: 'Marc Dubois', first_name: 'Marc', last_name: 'Dubois', email: 'Marc.Dubois@example.org', fee: 0 }],
      }));
      const url = booked.body.url as string;
      const r = await run({ kind: 'appointment', id: url, via: 'appointment_created' });
      expect(r.decisions).toEqual(["Participant's EMR patient matched on family, given, email", 'EMR appointment created with 1 patient(s)']);
      expect(await search('Patient', 'family=Dubois')).toHaveLength(1);
      const [appt] = await byUrl<Appointment>('Appointment', IDENTIFIER_SYSTEMS.oncallUrl, url);
      expect(appt!.participant).toEqual([{ actor: { reference: `Patient/${p.id}` }, status: 'accepted' }]);

      expect((await oncall.call('PATCH', new URL(url).pathname.replace(/^\/oncall/, ''), { metadata: { noshow: true } })).status).toBe(200);
      const noshow = await run({ kind: 'appointment', id: url, via: 'appointment_updated' });
      expect(noshow.decisions[0]).toBe('EMR appointment marked as a no-show: status');
      expect((await fhir<Appointment>('GET', `Appointment/${appt!.id}`)).status).toBe('noshow');
    });

    it('an appointment whose participant may be an EMR patient waits for a person: no patient, no appointment', async () => {
      const p = await fhir<Patient>('POST', 'Patient', { resourceType: 'Patient', name: [{ family: 'Kowalski', given: ['Jan'] }], birthDate: '1955-06-07' });
      const booked = await oncall.call('POST', '/appointments/', appointmentBody(oncall.base, {
        participants: [{ name: 'Jan Kowalski', first_name: 'Jan', last_name: 'Kowalski', email: 'jan@example.org', fee: 0 }],
      }));
      const r = await run({ kind: 'appointment', id: booked.body.url, via: 'appointment_created' });
      expect(r.decisions[0]).toMatch(new RegExp(`^Waiting for a person: possible match with EMR patient\\(s\\) ${p.id} `));
      expect(r.decisions[1]).toBe('The appointment is not written to the EMR until its participant is resolved');
      expect(r.writes).toBe(0);
      expect(await search('Patient', 'family=Kowalski')).toHaveLength(1);
      expect(await byUrl('Appointment', IDENTIFIER_SYSTEMS.oncallUrl, booked.body.url)).toHaveLength(0);
    });

    it('an appointment deleted in OnCall since the webhook: a 404 in the trace, no EMR write', async () => {
      const r = await run({ kind: 'appointment', id: `${oncall.base}/appointments/999999/`, via: 'appointment_updated' });
      expect(r.decisions).toEqual(['Deleted in OnCall Health since (appointment_updated): nothing written to the EMR']);
      expect(r.trace.entries.find((e) => e.kind === 'call')?.detail).toMatchObject({ method: 'GET', path: '/appointments/999999/', status: 404 });
    });

    it('a create whose answer is lost is looked up, not sent again: one EMR patient', async () => {
      const impatient = new FhirEmrWriter({ baseUrl: emr.baseUrl, maxRetries: 0, timeoutMs: 500 });
      try {
        const c = await newContact({ name: 'Ivo Lost', first_name: 'Ivo', last_name: 'Lost', email: 'ivo@example.org' });
        slowCreates = 1;
        const r = await run({ kind: 'patient', id: c.url }, targetWith({}, impatient));
        expect(r.decisions).toEqual(['EMR patient created from the OnCall contact (confirmed by a lookup after an unclear answer)']);
        expect(r.trace.entries.filter((e) => e.kind === 'call').map((e) => `${String(e.detail.method)} ${String(e.detail.status)}`)).toEqual([
          'GET 200', // the contact
          'GET 200', // search by contact URL
          'GET 200', // demographic search
          'POST null', // the create, no answer in time
          'GET 200', // the lookup that found it
        ]);
        await new Promise((r) => setTimeout(r, 2600));
        expect(await search('Patient', 'family=Lost')).toHaveLength(1);
        expect((await run({ kind: 'patient', id: c.url })).decisions).toEqual(['Nothing the EMR holds changed: no write']);
      } finally {
        slowCreates = 0;
        await impatient.close();
      }
    });

    it('the EMR refusing a create (422) fails permanently with the reason, leaving no link, intent or record', async () => {
      const c = await newContact({ name: 'Zoe Refused', first_name: 'Zoe', last_name: 'Refused', email: 'zoe@example.org' });
      refuseCreates = true;
      let err: unknown;
      try {
        await run({ kind: 'patient', id: c.url });
      } catch (e) {
        err = e;
      } finally {
        refuseCreates = false;
      }
      expect(isPartnerError(err) && err.kind).toBe('permanent');
      expect((err as Error).message).toMatch(/422/);
      expect((err as Error).message).not.toMatch(/zoe/i);
      expect(await reverse('patient', c.url)).toBeUndefined();
      expect(await store.db.selectFrom('effects').selectAll().where('key', '=', `emr:patient:create:${c.url}`).execute()).toHaveLength(0);
      expect(await search('Patient', 'family=Refused')).toHaveLength(0);
      // The same message later (the EMR accepting again) creates it once.
      await run({ kind: 'patient', id: c.url });
      expect(await search('Patient', 'family=Refused')).toHaveLength(1);
    });
  });
}

import type { Bundle, CapabilityStatement, Encounter, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOauthClient } from '../oauth/clients.js';
import { makePdf, parameters, startEngine, type EngineHarness } from '../../flows/send-to-ehr/test-helpers/engine-harness.js';

/**
 * The FHIR API as a Lifen client sees it, over real HTTP: every refusal is an OperationOutcome
 * with the right status, and a refused request leaves nothing stored and nothing delivered.
 */
describe('FHIR API: errors, auth, search rules, metadata', () => {
  let h: EngineHarness;
  let patient: Patient;
  let encounter: Encounter;
  let pdf: Buffer;

  beforeAll(async () => {
    h = await startEngine('sqlite', { ehr: { maxPayloadBytes: 64 * 1024 } });
    ({ patient, encounter } = await h.patientWithEncounter());
    pdf = await makePdf();
  });
  afterAll(async () => h.close());

  const stored = async () => Number((await h.server.ctx.store.db.selectFrom('ehr_transactions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const blobs = async () => Number((await h.server.ctx.store.db.selectFrom('ehr_document_blobs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const valid = (over: Partial<Parameters<typeof parameters>[0]> = {}) => parameters({ patientId: patient.id!, encounterId: encounter.id!, payload: pdf, ...over });

  async function expectRefused(res: { status: number; body: any; headers: Headers }, status: number, diagnostics: RegExp) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const oo = res.body as OperationOutcome;
    expect(oo.resourceType).toBe('OperationOutcome');
    expect(oo.issue?.[0]?.severity).toBe('error');
    expect(oo.issue?.[0]?.diagnostics).toMatch(diagnostics);
    expect(await stored()).toBe(0);
    expect(await blobs()).toBe(0);
    expect(h.received()).toHaveLength(0);
  }

  it('401 without a token, with a bad one or an expired one', async () => {
    const none = await h.sendToEhr(valid(), { token: null });
    await expectRefused(none, 401, /Bearer/);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await expectRefused(await h.sendToEhr(valid(), { token: 'ehrt_forged' }), 401, /not valid/);
    const c = await createOauthClient(h.server.ctx.store.db, { name: 'short-lived', scopes: 'SEND_TO_EHR' });
    const t = await fetch(`${h.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials', client_id: c.id, client_secret: c.secret }) });
    const access = ((await t.json()) as { access_token: string }).access_token;
    await h.server.ctx.store.db.updateTable('oauth_tokens').set({ expires_at: new Date(Date.now() - 1).toISOString() }).where('client_id', '=', c.id).execute();
    await expectRefused(await h.sendToEhr(valid(), { token: access }), 401, /expired/);
  });

  it('403 when the token lacks the scope', async () => {
    const c = await createOauthClient(h.server.ctx.store.db, { name: 'search-only', scopes: 'PATIENT_GAM_SEARCH' });
    const t = await fetch(`${h.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: c.id, client_secret: c.secret }) });
    const access = ((await t.json()) as { access_token: string }).access_token;
    await expectRefused(await h.sendToEhr(valid(), { token: access }), 403, /COMMUNICATIONREQUEST_CREATE/);
    expect((await h.fhirCall(`/Patient/${patient.id}`, { token: access })).status).toBe(200);
    const sendOnly = await createOauthClient(h.server.ctx.store.db, { name: 'send-only', scopes: 'SEND_TO_EHR' });
    const t2 = await fetch(`${h.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials', client_id: sendOnly.id, client_secret: sendOnly.secret }) });
    const a2 = ((await t2.json()) as { access_token: string }).access_token;
    expect((await h.fhirCall('/Patient?family=Smith', { token: a2 })).status).toBe(403);
  });

  it('400 for malformed JSON or a body that is not a Parameters', async () => {
    const raw = (body: string) => h.fhirCall('/CommunicationRequest/$send-to-ehr', { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body });
    await expectRefused(await raw('{"resourceType": "Parameters", '), 400, /not valid JSON/);
    await expectRefused(await raw(JSON.stringify({ resourceType: 'Bundle' })), 400, /Parameters/);
    await expectRefused(await raw(''), 400, /empty|Parameters/);
  });

  it('415 for another media type, 413 above the payload limit', async () => {
    const form = await h.fhirCall('/CommunicationRequest/$send-to-ehr', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b' });
    await expectRefused(form, 415, /application\/fhir\+json/);
    const xml = await h.fhirCall('/CommunicationRequest/$send-to-ehr', { method: 'POST', headers: { 'content-type': 'application/fhir+xml' }, body: '<Parameters/>' });
    await expectRefused(xml, 415, /media type/);
    const big = Buffer.concat([pdf, Buffer.alloc(64 * 1024)]);
    await expectRefused(await h.sendToEhr(valid({ payload: big })), 413, /limit/);
    const huge = Buffer.concat([pdf, Buffer.alloc(2 * 1024 * 1024)]);
    await expectRefused(await h.sendToEhr(valid({ payload: huge })), 413, /limit/);
  });

  it('422 for an unknown patient, with the seed wording', async () => {
    await expectRefused(await h.sendToEhr(valid({ patientId: 'no-such-patient' })), 422, /^Resource contains reference to Patient\/no-such-patient but this resource is not valid$/);
    await expectRefused(await h.sendToEhr(valid({ encounterId: 'no-such-encounter' })), 422, /reference to Encounter\/no-such-encounter/);
  });

  it('422 for an encounter of another patient', async () => {
    const others = await h.fhirCall(`/Encounter?status=finished&_count=50`);
    const other = (others.body as Bundle<Encounter>).entry?.map((e) => e.resource!).find((e) => e.subject?.reference !== `Patient/${patient.id}`);
    expect(other).toBeDefined();
    await expectRefused(await h.sendToEhr(valid({ encounterId: other!.id! })), 422, /does not belong/);
  });

  it('422 for invalid base64, a 0-byte payload, a type not allowed, a "PDF" that is not one, a malformed RPPS', async () => {
    await expectRefused(await h.sendToEhr(valid({ payload: '%%%not-base64%%%' })), 422, /base64/);
    await expectRefused(await h.sendToEhr(valid({ payload: '' })), 422, /0 bytes/);
    await expectRefused(await h.sendToEhr(valid({ contentType: 'application/msword' })), 422, /allowed/);
    await expectRefused(await h.sendToEhr(valid({ payload: Buffer.from('GIF89a not a pdf') })), 422, /not a PDF/);
    await expectRefused(await h.sendToEhr(valid({ sender: '123' })), 422, /RPPS/);
  });

  it('422 for PDF polyglots (HTML or ZIP before %PDF-, no %%EOF trailer), nothing stored or delivered', async () => {
    const html = Buffer.concat([Buffer.from('<!doctype html><script>alert(1)</script>\n'), pdf]);
    await expectRefused(await h.sendToEhr(valid({ payload: html })), 422, /not a PDF \(%PDF- at the start\)/);
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(26), pdf]);
    await expectRefused(await h.sendToEhr(valid({ payload: zip })), 422, /not a PDF/);
    await expectRefused(await h.sendToEhr(valid({ payload: pdf.subarray(0, pdf.lastIndexOf('%%EOF')) })), 422, /no %%EOF trailer/);
  });

  it('accepts application/json too and answers the Lifen Parameters', async () => {
    const r = await h.sendToEhr(valid({ title: 'json media type' }), { contentType: 'application/json' });
    expect(r.status).toBe(200);
    expect(r.body.parameter.map((p: { name: string }) => p.name)).toEqual(['tracking-url', 'transaction-id']);
    expect(r.body.parameter[0].valueString).toBe(`${h.fhir}/CommunicationRequest/$tracking?transaction-id=${r.body.parameter[1].valueString}`);
    await h.waitForStatus(r.body.parameter[0].valueString, ['completed']);
  });

  it('tracking: 400 without an id, 404 for an unknown or another client\'s id, 410 after the tracking period', async () => {
    expect((await h.fhirCall('/CommunicationRequest/$tracking')).status).toBe(400);
    const unknown = await h.fhirCall('/CommunicationRequest/$tracking?transaction-id=00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body.resourceType).toBe('OperationOutcome');
    const r = await h.sendToEhr(valid({ title: 'tracking period' }));
    const url = r.body.parameter[0].valueString as string;
    await h.waitForStatus(url, ['completed']);
    const c = await createOauthClient(h.server.ctx.store.db, { name: 'someone-else', scopes: 'SEND_TO_EHR' });
    const t = await fetch(`${h.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials', client_id: c.id, client_secret: c.secret }) });
    expect((await h.fhirCall(url, { token: ((await t.json()) as { access_token: string }).access_token })).status).toBe(404);
    await h.server.ctx.store.db.updateTable('ehr_transactions').set({ tracking_until: new Date(Date.now() - 1000).toISOString() }).where('id', '=', r.body.parameter[1].valueString).execute();
    const gone = await h.fhirCall(url);
    expect(gone.status).toBe(410);
    expect(gone.body.issue[0].code).toBe('expired');
  });

  it('Patient/Encounter search: 422 without a criterion, name rules, _count at most 100, paging through _page tokens', async () => {
    const none = await h.fhirCall('/Patient');
    expect(none.status).toBe(422);
    expect(none.body.resourceType).toBe('OperationOutcome');
    expect((await h.fhirCall('/Patient?_count=10')).status).toBe(422);
    expect((await h.fhirCall('/Encounter')).status).toBe(422);
    expect((await h.fhirCall('/Patient?family=A')).status).toBe(400);
    expect((await h.fhirCall('/Patient?gender=female')).status).toBe(400);
    const family = patient.name![0]!.family!;
    const byFamily = await h.fhirCall(`/Patient?family=${encodeURIComponent(family.slice(0, 3))}`);
    expect(byFamily.status).toBe(200);
    const b = byFamily.body as Bundle<Patient>;
    expect(b.type).toBe('searchset');
    expect(b.entry?.some((e) => e.resource?.id === patient.id)).toBe(true);
    expect(b.entry?.[0]?.fullUrl).toMatch(new RegExp(`^${h.fhir}/Patient/`));

    const byBirth = await h.fhirCall(`/Patient?birthdate=${patient.birthDate}`);
    expect(byBirth.body.entry.some((e: { resource: Patient }) => e.resource.id === patient.id)).toBe(true);
    expect((await h.fhirCall('/Patient?birthdate=ge2000-01-01')).status).toBe(400);

    const many = await h.fhirCall('/Encounter?date=ge2000-01-01&_count=500');
    expect(many.status).toBe(200);
    expect(many.body.entry).toHaveLength(100);
    const next = (many.body as Bundle).link?.find((l) => l.relation === 'next')?.url;
    expect(next).toMatch(new RegExp(`^${h.fhir}/Encounter\\?_page=`));
    const page2 = await h.fhirCall(next!);
    expect(page2.status).toBe(200);
    expect(page2.body.entry[0].resource.id).not.toBe(many.body.entry[0].resource.id);
    expect((await h.fhirCall('/Encounter?_page=' + Buffer.from('Patient?_id=x').toString('base64url'))).status).toBe(400);

    const post = await h.fhirCall('/Encounter/_search', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `patient=Patient/${patient.id}` });
    expect(post.status).toBe(200);
    expect(post.body.entry.every((e: { resource: Encounter }) => e.resource.subject?.reference === `Patient/${patient.id}`)).toBe(true);
    expect((await h.fhirCall(`/Encounter/${encounter.id}`)).body.id).toBe(encounter.id);
    const missing = await h.fhirCall('/Patient/does-not-exist');
    expect(missing.status).toBe(404);
    expect(missing.body.resourceType).toBe('OperationOutcome');
  });

  it('_page tokens are signed: a forged or edited token is a 400 OperationOutcome and the EMR is not called', async () => {
    const emr = h.server.ctx.sendToEhr().emr();
    const searchPage = vi.spyOn(emr, 'searchPage');
    try {
      const first = await h.fhirCall('/Encounter?date=ge2000-01-01&_count=5');
      expect(first.status).toBe(200);
      const next = (first.body as Bundle).link?.find((l) => l.relation === 'next')?.url;
      const token = new URL(next!).searchParams.get('_page')!;
      expect((await h.fhirCall(next!)).status).toBe(200);
      const calls = searchPage.mock.calls.length;

      const refused = async (path: string, status = 400) => {
        const r = await h.fhirCall(path);
        expect(r.status, path).toBe(status);
        expect(r.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
        expect(r.body.resourceType).toBe('OperationOutcome');
        expect(searchPage.mock.calls.length, path).toBe(calls);
      };
      // The review's forgery: an unsigned token asking the EMR for 1000 patients with no criterion.
      await refused(`/Patient?_page=${Buffer.from('Patient?_count=1000').toString('base64url')}`);
      const [payload, signature] = token.split('.');
      const state = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
      const edit = (change: object) => `${Buffer.from(JSON.stringify({ ...state, ...change })).toString('base64url')}.${signature}`;
      await refused(`/Encounter?_page=${edit({ params: [], count: 1000 })}`);
      await refused(`/Encounter?_page=${edit({ emr: 'Encounter?_count=1000' })}`);
      await refused(`/Patient?_page=${edit({ type: 'Patient', emr: state.emr.replace(/^Encounter/, 'Patient') })}`);
      await refused(`/Encounter?_page=${token.slice(0, -2)}`);
      await refused(`/Patient?_page=${token}`);
    } finally {
      searchPage.mockRestore();
    }
  });

  it('every error under /fhir is an OperationOutcome, and a bad id never reaches the EMR', async () => {
    const emr = h.server.ctx.sendToEhr().emr();
    const read = vi.spyOn(emr, 'read');
    const searchPage = vi.spyOn(emr, 'searchPage');
    const send = (body: string, type: string) => ({ method: 'POST', headers: { 'content-type': type }, body });
    const table: [string, string, RequestInit, number, RegExp][] = [
      ['200-character id', `/Patient/${'a'.repeat(200)}`, {}, 400, /Invalid Patient id/],
      ['65-character id', `/Encounter/${'e'.repeat(65)}`, {}, 400, /Invalid Encounter id/],
      ['id with a space', '/Patient/a%20b', {}, 400, /Invalid Patient id/],
      ['id with $ and _', '/Patient/ab$c_d', {}, 400, /Invalid Patient id/],
      ['id that does not decode', '/Patient/%zz', {}, 400, /percent-encoded/],
      ['id over the router limit', `/Patient/${'b'.repeat(2000)}`, {}, 414, /too long/],
      ['bad JSON', '/CommunicationRequest/$send-to-ehr', send('{"resourceType":', 'application/fhir+json'), 400, /not valid JSON/],
      ['text/plain body', '/CommunicationRequest/$send-to-ehr', send('hello', 'text/plain'), 415, /media type|application\/fhir\+json/],
      ['JSON to _search', '/Patient/_search', send('{"family":"Smith"}', 'application/json'), 415, /form-urlencoded/],
      ['unknown resource', '/Observation/1/_history', {}, 404, /No such FHIR endpoint: GET \/fhir\/Observation\/\.\.\.$/],
      ['unknown method', '/Patient/abc', { method: 'DELETE' }, 404, /No such FHIR endpoint/],
      ['bad _count', '/Patient?family=Smith&_count=many', {}, 400, /_count/],
    ];
    const storedBefore = await stored();
    const receivedBefore = h.received().length;
    try {
      for (const [what, path, init, status, diagnostics] of table) {
        const r = await h.fhirCall(path, init);
        expect(r.status, what).toBe(status);
        expect(r.headers.get('content-type'), what).toMatch(/^application\/fhir\+json/);
        expect(r.body.resourceType, what).toBe('OperationOutcome');
        expect(r.body.issue[0].diagnostics, what).toMatch(diagnostics);
        expect(r.headers.get('x-content-type-options'), what).toBe('nosniff');
      }
      expect(read).not.toHaveBeenCalled();
      expect(searchPage).not.toHaveBeenCalled();
      expect(await stored()).toBe(storedBefore);
      expect(h.received()).toHaveLength(receivedBefore);
    } finally {
      read.mockRestore();
      searchPage.mockRestore();
    }
  });

  it('metadata lists exactly the supported interactions, without a token', async () => {
    const r = await h.fhirCall('/metadata', { token: null });
    expect(r.status).toBe(200);
    const cs = r.body as CapabilityStatement;
    expect(cs.fhirVersion).toBe('4.0.1');
    const res = cs.rest![0]!.resource!;
    expect(res.map((x) => x.type).sort()).toEqual(['CommunicationRequest', 'Encounter', 'OperationDefinition', 'Patient']);
    expect(res.find((x) => x.type === 'Patient')!.searchParam!.map((p) => p.name).sort()).toEqual(['_count', '_id', 'birthdate', 'family', 'given', 'identifier', 'name', 'phone']);
    expect(res.find((x) => x.type === 'CommunicationRequest')!.operation!.map((o) => o.name)).toEqual(['send-to-ehr', 'tracking']);
    const def = await h.fhirCall(res.find((x) => x.type === 'CommunicationRequest')!.operation![0]!.definition, { token: null });
    expect(def.body.resourceType).toBe('OperationDefinition');
    expect((await h.fhirCall('/Observation', { token: null })).status).toBe(404);
  });
});

import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Appointment, Bundle, Patient } from '@medplum/fhirtypes';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IDENTIFIER_SYSTEMS } from '../../domain/identifiers.js';
import { FHIR_EMR_SEARCH_POLICY } from '../../sandboxes/fhir-emr/search.js';
import { startTestHost, type TestHost } from '../../sandboxes/fhir-emr/test-host.js';
import { isPartnerError, type PartnerError } from '../partner-error.js';
import { authMessage } from './fhir-http.js';
import { FhirEmrWriter, type FhirEmrWriterOptions } from './fhir-emr-writer.js';

const SYSTEM = IDENTIFIER_SYSTEMS.oncallUrl;
const CONTACT = 'https://api.oncallhealth.test/contacts/313/';
const APPT = 'https://api.oncallhealth.test/appointments/1234/';
const key = (value: string) => ({ system: SYSTEM, value });

async function failure(p: Promise<unknown>): Promise<PartnerError> {
  try {
    await p;
  } catch (e) {
    if (isPartnerError(e)) return e;
    throw e;
  }
  throw new Error('expected a PartnerError');
}

const writers: FhirEmrWriter[] = [];
function writer(baseUrl: FhirEmrWriterOptions['baseUrl'], opts: Partial<FhirEmrWriterOptions> = {}): FhirEmrWriter {
  const w = new FhirEmrWriter({ baseUrl, ...opts });
  writers.push(w);
  return w;
}
afterEach(async () => {
  await Promise.all(writers.splice(0).map((w) => w.close()));
});

const ada = (extra: Partial<Patient> = {}): Patient => ({
  resourceType: 'Patient',
  name: [{ family: 'Lovelace', given: ['Ada'] }],
  birthDate: '1985-12-10',
  gender: 'female',
  telecom: [{ system: 'email', value: 'ada@example.com' }],
  ...extra,
});

const booking = (patientId: string, extra: Partial<Appointment> = {}): Appointment => ({
  resourceType: 'Appointment',
  status: 'booked',
  start: '2026-07-01T09:00:00Z',
  end: '2026-07-01T09:30:00Z',
  participant: [{ actor: { reference: `Patient/${patientId}` }, status: 'accepted' }],
  ...extra,
});

describe('FhirEmrWriter against the sandbox FHIR EMR', () => {
  let host: TestHost;
  let base: string;
  beforeAll(async () => {
    // _count clamped to 3: searches need the next links to reach 20 matches.
    host = await startTestHost({ seed: false, searchPolicy: { ...FHIR_EMR_SEARCH_POLICY, maxCount: 3 } });
    base = host.baseUrl;
  });
  afterAll(() => host.close());
  beforeEach(async () => {
    await fetch(`${base}/_admin/reset`, { method: 'POST' });
  });
  const total = async (query: string): Promise<number> => ((await (await fetch(`${base}/${query}`)).json()) as Bundle).total ?? -1;

  it('creates a patient once: the same key twice gives one resource, carrying the key as an identifier', async () => {
    const w = writer(base);
    expect(w.label).toBe(`FHIR EMR at ${base}`);
    const first = await w.createPatient(ada(), key(CONTACT));
    const second = await w.createPatient(ada({ name: [{ family: 'Other' }] }), key(CONTACT));
    expect(second.id).toBe(first.id);
    expect(await total('Patient?_summary=count')).toBe(1);
    const stored = await w.readPatient(first.id);
    expect(stored?.identifier).toEqual([{ system: SYSTEM, value: CONTACT }]);
    expect(stored?.meta?.versionId).toBe('1'); // the repeat wrote nothing
    expect(stored?.name?.[0]?.family).toBe('Lovelace');
    // A key already present is not added twice; server-owned id/meta are not sent.
    const other = await w.createPatient(ada({ id: 'client-id', identifier: [{ system: SYSTEM, value: `${CONTACT}x` }] }), key(`${CONTACT}x`));
    const read = await w.readPatient(other.id);
    expect(other.id).not.toBe('client-id');
    expect(read?.identifier).toHaveLength(1);
  });

  it('refuses (permanent, 412) a create whose key two EMR patients already carry, naming no values', async () => {
    const w = writer(base);
    for (let i = 0; i < 2; i++) {
      await fetch(`${base}/Patient`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(ada({ identifier: [{ system: SYSTEM, value: CONTACT }] })) });
    }
    const e = await failure(w.createPatient(ada(), key(CONTACT)));
    expect(e.kind).toBe('permanent');
    expect(e.status).toBe(412);
    expect(e.message).toContain('more than one Patient');
    expect(e.message).not.toContain(CONTACT);
    expect(e.message).not.toContain('Lovelace');
    expect(await total('Patient?_summary=count')).toBe(2);
  });

  it('updates with PUT: the version goes up, and a stale version is refused as transient (read again)', async () => {
    const w = writer(base);
    const { id } = await w.createPatient(ada(), key(CONTACT));
    const v1 = await w.readPatient(id);
    if (!v1) throw new Error('created patient not found');
    await w.updatePatient(id, { ...v1, gender: 'other' });
    const v2 = await w.readPatient(id);
    expect(v2?.meta?.versionId).toBe('2');
    expect(v2?.gender).toBe('other');
    const stale = await failure(w.updatePatient(id, { ...v1, gender: 'male' })); // If-Match W/"1"
    expect(stale.kind).toBe('transient');
    expect(stale.status).toBe(412);
    expect((await w.readPatient(id))?.gender).toBe('other');
    // Without a known version, the PUT goes unconditionally.
    await w.updatePatient(id, { ...ada(), meta: undefined });
    expect((await w.readPatient(id))?.meta?.versionId).toBe('3');
  });

  it('finds patients by identifier and by demographics, paging up to the cap', async () => {
    const w = writer(base, { maxMatches: 20 });
    const { id } = await w.createPatient(ada(), key(CONTACT));
    expect((await w.findPatientsByIdentifier(key(CONTACT))).map((f) => f.id)).toEqual([id]);
    expect(await w.findPatientsByIdentifier(key(`${CONTACT}nope`))).toEqual([]);
    expect(await w.findPatientsByIdentifier({ system: 'urn:other', value: CONTACT })).toEqual([]);

    const byAll = await w.findPatientsByDemographics({ family: 'lovelace', given: 'ada', birthDate: '1985-12-10', email: 'ADA@example.com' });
    expect(byAll.map((f) => f.id)).toEqual([id]);
    expect(byAll[0]?.patient.resourceType).toBe('Patient');
    expect(await w.findPatientsByDemographics({ family: 'Lovelace', birthDate: '1985-12-11' })).toEqual([]);
    expect(await w.findPatientsByDemographics({ family: 'Lovelace', email: 'other@example.com' })).toEqual([]);

    // A comma in a name is a literal, not an OR of two prefixes.
    const comma = await w.createPatient(ada({ name: [{ family: 'Smith, Jr', given: ['Al'] }] }), key(`${CONTACT}comma`));
    await w.createPatient(ada({ name: [{ family: 'Jroth', given: ['Al'] }] }), key(`${CONTACT}jr`));
    expect((await w.findPatientsByDemographics({ family: 'Smith, Jr', given: 'Al' })).map((f) => f.id)).toEqual([comma.id]);
    await expect(w.findPatientsByDemographics({ family: ' ' })).rejects.toMatchObject({ kind: 'permanent' });

    // 25 namesakes, pages of 3: the writer follows next links and stops at 20.
    for (let i = 0; i < 25; i++) await w.createPatient(ada({ name: [{ family: 'Namesake', given: ['Same'] }] }), key(`${CONTACT}${i}`));
    const many = await w.findPatientsByDemographics({ family: 'Namesake' });
    expect(many).toHaveLength(20);
    expect(new Set(many.map((f) => f.id)).size).toBe(20);
  });

  it('reads: 404 and 410 are null', async () => {
    const w = writer(base);
    expect(await w.readPatient('no-such-id')).toBeNull();
    expect(await w.readAppointment('no-such-id')).toBeNull();
    const { id } = await w.createPatient(ada(), key(CONTACT));
    await fetch(`${base}/Patient/${id}`, { method: 'DELETE' });
    expect(await w.readPatient(id)).toBeNull();
  });

  it('creates, finds, updates and cancels an appointment once', async () => {
    const w = writer(base);
    const { id: patientId } = await w.createPatient(ada(), key(CONTACT));
    const a = await w.createAppointment(booking(patientId), key(APPT), []);
    const again = await w.createAppointment(booking(patientId, { start: '2026-07-02T09:00:00Z', end: '2026-07-02T09:30:00Z' }), key(APPT), []);
    expect(again.id).toBe(a.id);
    expect(await total('Appointment?_summary=count')).toBe(1);
    const found = await w.findAppointmentByIdentifier(key(APPT));
    expect(found?.id).toBe(a.id);
    expect(found?.appointment.identifier).toEqual([{ system: SYSTEM, value: APPT }]);
    expect(await w.findAppointmentByIdentifier(key(`${APPT}x`))).toBeNull();

    const current = await w.readAppointment(a.id);
    if (!current) throw new Error('appointment not found');
    await w.updateAppointment(a.id, { ...current, start: '2026-07-03T10:00:00Z', end: '2026-07-03T10:30:00Z' }, 'reschedule', []);
    const moved = await w.readAppointment(a.id);
    expect(moved?.start).toBe('2026-07-03T10:00:00Z');
    await w.updateAppointment(a.id, { ...(moved as Appointment), status: 'cancelled' }, 'cancel', []);
    const cancelled = await w.readAppointment(a.id);
    expect(cancelled?.status).toBe('cancelled');
    expect(cancelled?.meta?.versionId).toBe('3');
  });

  it('two appointments with one key are reported, not picked from', async () => {
    const w = writer(base);
    const { id: patientId } = await w.createPatient(ada(), key(CONTACT));
    for (let i = 0; i < 2; i++) {
      await fetch(`${base}/Appointment`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(booking(patientId, { identifier: [{ system: SYSTEM, value: APPT }] })) });
    }
    const e = await failure(w.findAppointmentByIdentifier(key(APPT)));
    expect(e.kind).toBe('permanent');
    expect(e.message).not.toContain(APPT);
  });

  it('keys with search syntax in them (`,` `|` `\\` `$`) are escaped and still match exactly', async () => {
    const w = writer(base);
    const odd = key('https://x.test/a,b|c\\d$e/');
    const first = await w.createPatient(ada(), odd);
    expect((await w.createPatient(ada(), odd)).id).toBe(first.id);
    expect((await w.findPatientsByIdentifier(odd)).map((f) => f.id)).toEqual([first.id]);
    expect(await w.findPatientsByIdentifier(key('https://x.test/a'))).toEqual([]);
  });

  it('a refused resource (422, 400) is permanent, names codes and paths, and never a value', async () => {
    const w = writer(base);
    const future = await failure(w.createPatient(ada({ birthDate: '2999-01-01', name: [{ family: 'Secretname' }] }), key(CONTACT)));
    expect(future.kind).toBe('permanent');
    expect(future.status).toBe(422);
    expect(future.message).toContain('business-rule at Patient.birthDate');
    const bad = await failure(w.createPatient(ada({ gender: 'secret-gender' as Patient['gender'] }), key(CONTACT)));
    expect(bad.status).toBe(400);
    expect(bad.message).toContain('value at Patient.gender');
    const noTimes = await failure(w.createAppointment(booking('p1', { start: undefined, end: undefined }), key(APPT), []));
    expect(noTimes.status).toBe(422);
    for (const e of [future, bad, noTimes]) {
      for (const secret of ['Secretname', '2999', 'secret-gender', CONTACT, APPT, 'Lovelace', 'ada@example.com']) expect(e.message).not.toContain(secret);
    }
    expect(await total('Patient?_summary=count')).toBe(0);
    expect(await total('Appointment?_summary=count')).toBe(0);
  });

  it('a base URL known only later: transient until the function returns it', async () => {
    let known: string | undefined;
    const w = writer(() => known);
    expect(w.label).toBe('FHIR EMR (address not known yet)');
    const e = await failure(w.createPatient(ada(), key(CONTACT)));
    expect(e.kind).toBe('transient');
    known = `${base}/`;
    expect((await w.createPatient(ada(), key(CONTACT))).id).toBeTruthy();
    expect(w.label).toBe(`FHIR EMR at ${base}`);
  });
});

describe('FhirEmrWriter with a bearer token', () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost({ seed: false, bearerToken: 'writer-token' });
  });
  afterAll(() => host.close());

  it('sends the token, and a wrong one is an auth failure', async () => {
    const ok = writer(host.baseUrl, { bearerToken: 'writer-token' });
    expect((await ok.createPatient(ada(), key(CONTACT))).id).toBeTruthy();
    const wrong = await failure(writer(host.baseUrl, { bearerToken: 'nope' }).createPatient(ada(), key(CONTACT)));
    expect(wrong.kind).toBe('auth');
    expect(wrong.message).toBe(authMessage(401));
  });
});

describe('FhirEmrWriter transport faults (real sockets)', () => {
  const servers: (NetServer | HttpServer)[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => {
      s.close(() => r());
      if ('closeAllConnections' in s) s.closeAllConnections();
    })));
  });
  const listen = async (s: NetServer | HttpServer): Promise<string> => {
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}/fhir`;
  };

  /** Reads one whole HTTP request (head + Content-Length body), then does `then` with the socket. */
  const afterRequest = (then: (socket: Socket) => void) =>
    createNetServer((socket) => {
      let buf = Buffer.alloc(0);
      socket.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        const head = buf.indexOf('\r\n\r\n');
        if (head < 0) return;
        const length = Number(/content-length:\s*(\d+)/i.exec(buf.subarray(0, head).toString())?.[1] ?? 0);
        if (buf.length >= head + 4 + length) then(socket);
      });
      socket.on('error', () => undefined);
    });

  it('a connection dropped after the request was sent is ambiguous (never retried blindly)', async () => {
    let requests = 0;
    const base = await listen(afterRequest((s) => {
      requests++;
      s.destroy();
    }));
    const e = await failure(writer(base, { maxRetries: 3 }).createPatient(ada(), key(CONTACT)));
    expect(e.kind).toBe('ambiguous');
    expect(e.message).toContain('may have been applied');
    expect(requests).toBe(1);
    const u = await failure(writer(base).updatePatient('p1', ada()));
    expect(u.kind).toBe('ambiguous');
  });

  it('no answer in time after sending is ambiguous; a body cut after 201 too', async () => {
    const silent = await listen(afterRequest(() => undefined));
    const e = await failure(writer(silent, { timeoutMs: 200 }).createPatient(ada(), key(CONTACT)));
    expect(e.kind).toBe('ambiguous');
    const cut = await listen(afterRequest((s) => {
      s.end('HTTP/1.1 201 Created\r\ncontent-type: application/fhir+json\r\ncontent-length: 500\r\n\r\n{"resourceType":"Pat');
    }));
    const c = await failure(writer(cut).createPatient(ada(), key(CONTACT)));
    expect(c.kind).toBe('ambiguous');
  });

  it('a refused connection is transient: nothing was sent', async () => {
    const s = createNetServer();
    const base = await listen(s);
    await new Promise<void>((r) => s.close(() => r()));
    servers.length = 0;
    const e = await failure(writer(base, { maxRetries: 0 }).createPatient(ada(), key(CONTACT)));
    expect(e.kind).toBe('transient');
    expect(e.message).toContain('nothing was sent');
  });

  it('an answer that names no resource (201 without body or Location) is resolved by the key', async () => {
    const calls: string[] = [];
    const base = await listen(
      createHttpServer((req, res) => {
        calls.push(`${req.method} ${req.url}`);
        req.resume();
        if (req.method === 'POST') {
          res.writeHead(201).end();
          return;
        }
        const bundle = { resourceType: 'Bundle', type: 'searchset', total: 1, entry: [{ resource: { resourceType: 'Patient', id: 'found-1' }, search: { mode: 'match' } }] };
        res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(bundle));
      }),
    );
    expect(await writer(base).createPatient(ada(), key(CONTACT))).toEqual({ id: 'found-1' });
    expect(calls).toEqual(['POST /fhir/Patient', `GET /fhir/Patient?${new URLSearchParams({ identifier: `${SYSTEM}|${CONTACT}`, _count: '20' })}`]);
  });

  it('a refusal whose OperationOutcome quotes values in its paths or diagnostics shows neither', async () => {
    const base = await listen(
      createHttpServer((req, res) => {
        req.resume();
        const oo = {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'invariant', diagnostics: 'Family Lovelace not allowed', expression: ["Patient.name.where(family='Lovelace').family"] }],
        };
        res.writeHead(422, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(oo));
      }),
    );
    const e = await failure(writer(base).createPatient(ada(), key(CONTACT)));
    expect(e.kind).toBe('permanent');
    expect(e.message).toContain("invariant at Patient.name.where(family='…').family");
    expect(e.message).not.toContain('Lovelace');
  });

  it('an abort after sending is ambiguous too', async () => {
    const base = await listen(afterRequest(() => undefined));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const e = await failure(writer(base).updateAppointment('a1', booking('p1'), 'modify', [], ac.signal));
    expect(e.kind).toBe('ambiguous');
  });

  it('5xx on a write: 503 is transient and retried, 500 ambiguous and not', async () => {
    const seen: string[] = [];
    let answer = 503;
    const base = await listen(
      createHttpServer((req, res) => {
        seen.push(`${req.method} ${req.headers['if-none-exist'] ?? ''}`);
        req.resume();
        req.on('end', () => {
          if (answer === 503 && seen.length === 1) {
            res.writeHead(503, { 'retry-after': '0' }).end();
            return;
          }
          if (answer === 503) {
            res.writeHead(201, { 'content-type': 'application/fhir+json', location: `${base}/Patient/abc/_history/1` }).end();
            return;
          }
          res.writeHead(500, { 'content-type': 'application/fhir+json' }).end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'fatal', code: 'exception', diagnostics: 'Lovelace broke it' }] }));
        });
      }),
    );
    const w = writer(base, { maxRetries: 2 });
    expect(await w.createPatient(ada(), key(CONTACT))).toEqual({ id: 'abc' }); // id from Location
    expect(seen).toEqual([
      `POST identifier=${encodeURIComponent(`${SYSTEM}|${CONTACT}`)}`,
      `POST identifier=${encodeURIComponent(`${SYSTEM}|${CONTACT}`)}`,
    ]);
    answer = 500;
    seen.length = 0;
    const e = await failure(w.createPatient(ada(), key(CONTACT)));
    expect(e.kind).toBe('ambiguous');
    expect(e.message).not.toContain('Lovelace');
    expect(seen).toHaveLength(1);
  });
});

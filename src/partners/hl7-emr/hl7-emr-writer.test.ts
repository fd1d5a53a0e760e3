import net from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IDENTIFIER_SYSTEMS } from '../../domain/identifiers.js';
import { buildAck } from '../../hl7/ack.js';
import { parseHl7 } from '../../hl7/parse.js';
import { createMllpServer, type MllpServer } from '../../mllp/server.js';
import { ehrSandbox, getEhrSandboxInfo } from '../../sandboxes/ehr/index.js';
import { receiveHl7 } from '../../sandboxes/ehr/receive-hl7.js';
import { EhrSandboxStore, type ReceivedItem } from '../../sandboxes/ehr/store.js';
import { PartnerError } from '../partner-error.js';
import { Hl7EmrAckError } from './ack-outcome.js';
import { Hl7EmrWriter } from './hl7-emr-writer.js';
import type { Hl7EmrOptions } from './settings.js';
import { APPOINTMENT_URL, CONTACT_URL, linkedPatient, sampleAppointment, samplePatient } from './test-helpers/sample-records.js';

/**
 * The writer against the EHR receiver sandbox playing the HL7 EMR, over real sockets: AA, AE,
 * AR, no answer, a lost ACK, the same change twice.
 */
const PREFIX = '/sandbox/ehr';
let app: FastifyInstance;
const writers: Hl7EmrWriter[] = [];

beforeAll(async () => {
  app = Fastify();
  await app.register(ehrSandbox, { prefix: PREFIX });
  await app.ready();
});

afterAll(async () => {
  await Promise.all(writers.map((w) => w.close()));
  await app.close();
});

beforeEach(async () => {
  await app.inject({ method: 'POST', url: `${PREFIX}/_admin/reset` });
});

function writer(opts: Partial<Hl7EmrOptions> = {}): Hl7EmrWriter {
  const w = new Hl7EmrWriter({ host: '127.0.0.1', port: getEhrSandboxInfo(app).mllpPort, timeoutMs: 2000, ...opts });
  writers.push(w);
  return w;
}

async function received(): Promise<{ items: ReceivedItem[]; duplicates: number }> {
  const res = await app.inject({ method: 'GET', url: `${PREFIX}/_admin/received?limit=500` });
  const body = res.json() as { items: ReceivedItem[]; duplicates: number };
  return { items: body.items.reverse(), duplicates: body.duplicates };
}

async function setMode(ack: string): Promise<void> {
  const res = await app.inject({ method: 'POST', url: `${PREFIX}/_admin/mode`, payload: { ack } });
  expect(res.statusCode).toBe(200);
}

async function failure(p: Promise<unknown>): Promise<PartnerError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PartnerError);
  return err as PartnerError;
}

const key = { system: IDENTIFIER_SYSTEMS.oncallUrl, value: CONTACT_URL };
const appointmentKey = { system: IDENTIFIER_SYSTEMS.oncallUrl, value: APPOINTMENT_URL };

describe('Hl7EmrWriter against the EHR receiver sandbox', () => {
  it('says what it is: HL7, not readable, lookups empty', async () => {
    const w = writer();
    expect(w.kind).toBe('hl7');
    expect(w.readable).toBe(false);
    expect(w.label).toBe(`HL7 EMR at 127.0.0.1:${getEhrSandboxInfo(app).mllpPort}`);
    expect(await w.findPatientsByIdentifier(key)).toEqual([]);
    expect(await w.findPatientsByDemographics({ family: 'Tremblay' })).toEqual([]);
    expect(await w.readPatient('OC-123')).toBeNull();
    expect(await w.findAppointmentByIdentifier(appointmentKey)).toBeNull();
    expect(await w.readAppointment(APPOINTMENT_URL)).toBeNull();
  });

  it('creates, updates, books, reschedules and cancels: each acknowledged AA and listed with its type', async () => {
    const w = writer();
    const { id } = await w.createPatient(samplePatient(), key);
    expect(id).toBe('OC-123');
    await w.updatePatient(id, linkedPatient(id, { birthDate: '1984-03-08' }));
    const patients = [linkedPatient(id)];
    const appt = await w.createAppointment(sampleAppointment(), appointmentKey, patients);
    expect(appt.id).toBe(APPOINTMENT_URL);
    await w.updateAppointment(appt.id, sampleAppointment({ start: '2026-12-11T15:00:00Z', end: '2026-12-11T15:30:00Z' }), 'reschedule', patients);
    await w.updateAppointment(appt.id, sampleAppointment({ status: 'cancelled' }), 'cancel', patients);

    const { items } = await received();
    expect(items.map((i) => [i.messageType, i.ack, i.accepted])).toEqual([
      ['ADT^A04', 'AA', true],
      ['ADT^A08', 'AA', true],
      ['SIU^S12', 'AA', true],
      ['SIU^S13', 'AA', true],
      ['SIU^S15', 'AA', true],
    ]);
    // The listing filters by type: one S12, once.
    const s12s = await app.inject({ method: 'GET', url: `${PREFIX}/_admin/received?type=${encodeURIComponent('SIU^S12')}&limit=1` });
    expect(s12s.json()).toMatchObject({ items: [{ messageType: 'SIU^S12' }], nextBefore: null });
    const adts = await app.inject({ method: 'GET', url: `${PREFIX}/_admin/received?type=${encodeURIComponent('ADT^A04')}` });
    expect((adts.json() as { items: ReceivedItem[] }).items.map((i) => i.messageType)).toEqual(['ADT^A04']);
    const bad = await app.inject({ method: 'GET', url: `${PREFIX}/_admin/received?type=${encodeURIComponent('<script>')}` });
    expect(bad.statusCode).toBe(400);
    // The OnCall URLs are stored in the EMR: PID-3 (contact) and SCH-1 (appointment).
    const s12 = items[2]?.rawElided ?? '';
    expect(s12).toContain(`SCH|${APPOINTMENT_URL}^ONCALL|`);
    expect(s12).toContain(`OC-123^^^EMR&${IDENTIFIER_SYSTEMS.emr}&URI^MR~${CONTACT_URL}^^^ONCALL&${IDENTIFIER_SYSTEMS.oncallUrl}&URI^PI`);
  });

  it('uses the EMR id the patient already carries, and SCH-2 for an appointment the EMR knows', async () => {
    const w = writer();
    expect((await w.createPatient(linkedPatient('MRN-77'), key)).id).toBe('MRN-77');
    const appointment = sampleAppointment({ identifier: [...(sampleAppointment().identifier ?? []), { system: IDENTIFIER_SYSTEMS.emr, value: 'APT-5' }] });
    expect((await w.createAppointment(appointment, appointmentKey, [linkedPatient('MRN-77')])).id).toBe('APT-5');
    const { items } = await received();
    expect(items[0]?.rawElided).toContain('PID|1||MRN-77^^^EMR&');
    expect(items[1]?.rawElided).toContain(`SCH|${APPOINTMENT_URL}^ONCALL|APT-5^EMR|`);
  });

  it('the same change sent twice carries the same MSH-10: the EMR keeps one, both are AA', async () => {
    const w = writer();
    await w.createPatient(samplePatient(), key);
    await w.createPatient(samplePatient(), key);
    const { items, duplicates } = await received();
    expect(items).toHaveLength(1);
    expect(duplicates).toBe(1);
    // A different change to the same record is a new message.
    await w.updatePatient('OC-123', linkedPatient('OC-123', { gender: 'other' }));
    expect((await received()).items).toHaveLength(2);
  });

  it('a change key keeps a return to an earlier state from being taken for a duplicate', async () => {
    const w = writer();
    const before = linkedPatient('OC-123');
    const after = linkedPatient('OC-123', { gender: 'male' });
    await w.updatePatient('OC-123', before, undefined, { changeKey: 'msg-1' });
    await w.updatePatient('OC-123', after, undefined, { changeKey: 'msg-2' });
    await w.updatePatient('OC-123', before, undefined, { changeKey: 'msg-3' });
    await w.updatePatient('OC-123', before, undefined, { changeKey: 'msg-3' }); // a resend of msg-3
    const { items, duplicates } = await received();
    expect(items.filter((i) => i.accepted)).toHaveLength(3);
    expect(duplicates).toBe(1);
  });

  it('AE: permanent, with the coded reason and without the EMR free text', async () => {
    await setMode('AE');
    const err = await failure(writer().createPatient(samplePatient(), key));
    expect(err).toBeInstanceOf(Hl7EmrAckError);
    expect(err.kind).toBe('permanent');
    expect(err.message).toBe('HL7 EMR answered AE: 207 Application internal error');
    expect((err as Hl7EmrAckError).ack.text).toBe('rejected by sandbox mode AE');
  });

  it('AR: transient (may be resent unchanged)', async () => {
    await setMode('AR');
    const err = await failure(writer().updatePatient('OC-123', linkedPatient('OC-123')));
    expect(err.kind).toBe('transient');
    expect(err.message).toMatch(/^HL7 EMR answered AR: 207/);
  });

  it('no answer: ambiguous; sent again once the EMR answers, with the same MSH-10, and accepted', async () => {
    await setMode('none');
    const w = writer({ timeoutMs: 300 });
    const err = await failure(w.createAppointment(sampleAppointment(), appointmentKey, [linkedPatient('OC-123')]));
    expect(err.kind).toBe('ambiguous');
    await setMode('AA');
    await w.createAppointment(sampleAppointment(), appointmentKey, [linkedPatient('OC-123')]);
    const { items } = await received();
    expect(items.map((i) => [i.messageType, i.ack])).toEqual([
      ['SIU^S12', null],
      ['SIU^S12', 'AA'],
    ]);
    expect(items[0]?.controlId).toBe(items[1]?.controlId);
  });

  it('nothing listening: transient (nothing was sent)', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await failure(writer({ port }).createPatient(samplePatient(), key));
    expect(err.kind).toBe('transient');
  });

  it('refuses content it cannot write before connecting: permanent, nothing sent', async () => {
    const w = writer();
    const noName = await failure(w.createPatient(samplePatient({ name: [] }), key));
    expect(noName.kind).toBe('permanent');
    expect(noName.message).toMatch(/PID-5/);
    const noPatient = await failure(w.createAppointment(sampleAppointment(), appointmentKey, []));
    expect(noPatient.kind).toBe('permanent');
    const anonymous = await failure(w.createAppointment(sampleAppointment(), appointmentKey, [samplePatient({ identifier: [] })]));
    expect(anonymous.message).toMatch(/neither an EMR id nor an OnCall URL/);
    expect((await received()).items).toHaveLength(0);
  });
});

describe('Hl7EmrWriter: a lost ACK and an EMR quoting values', () => {
  let server: MllpServer;
  let store: EhrSandboxStore;
  let behaviour: 'lose-first-ack' | 'ae-with-value' = 'lose-first-ack';
  let calls = 0;

  beforeAll(async () => {
    server = createMllpServer({
      onMessage: async (raw) => {
        calls++;
        if (behaviour === 'ae-with-value') {
          // An EMR that quotes the refused value in MSA-3 and ERR-8.
          return Buffer.from(
            buildAck(parseHl7(raw.toString('utf8')), {
              ackCode: 'AE',
              text: 'birth date 1984-03-07 of Tremblay is invalid',
              errors: [{ code: '102', codeText: 'Data type error', location: 'PID^1^7', message: 'Tremblay 1984-03-07' }],
            }),
          );
        }
        // The EMR stores the message, then the connection drops before the ACK leaves.
        const { ack } = receiveHl7(raw, 'mllp', store);
        if (calls === 1) throw new Error('connection lost after the write');
        return ack;
      },
      onHandlerError: () => undefined,
    });
    await server.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await server.close();
  });

  beforeEach(() => {
    store = new EhrSandboxStore();
    calls = 0;
  });

  it('ambiguous when the connection drops after the write; the resend is absorbed by MSH-10', async () => {
    behaviour = 'lose-first-ack';
    const w = writer({ port: server.port as number });
    const err = await failure(w.createPatient(samplePatient(), key));
    expect(err.kind).toBe('ambiguous');
    expect(await w.createPatient(samplePatient(), key)).toEqual({ id: 'OC-123' });
    expect(store.list().filter((i) => i.accepted)).toHaveLength(1);
    expect(store.duplicates).toBe(1);
  });

  it('an AE quoting patient data becomes an error naming the code and place only', async () => {
    behaviour = 'ae-with-value';
    const err = await failure(writer({ port: server.port as number }).updatePatient('OC-123', linkedPatient('OC-123')));
    expect(err.kind).toBe('permanent');
    expect(err.message).toBe('HL7 EMR answered AE: 102 Data type error at PID^1^7');
    expect(err.message).not.toMatch(/Tremblay|1984/);
  });
});

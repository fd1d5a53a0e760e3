import net from 'node:net';
import type { Patient } from '@medplum/fhirtypes';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unescapeHl7 } from '../../hl7/escape.js';
import { field, findSegments, parseHl7 } from '../../hl7/parse.js';
import { ehrSandbox, getEhrSandboxInfo } from '../../sandboxes/ehr/index.js';
import { makePdf, parameters, startEngine, type EngineHarness } from './test-helpers/engine-harness.js';

/**
 * Faults on real sockets (issue 3, "Bad input and faults"): the EHR answers AE, AR, or never;
 * the EHR is down and comes back; delimiters and MLLP framing bytes inside the title and the
 * PDF; names outside Latin-1 on ISO-8859-1 routes.
 */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('send to EHR: receiver faults and hard content (sqlite)', () => {
  let h: EngineHarness;
  let downPort: number;
  let lateReceiver: FastifyInstance | undefined;
  const fast = { ackTimeoutMs: 400, connectTimeoutMs: 1000 };

  beforeAll(async () => {
    downPort = await freePort();
    h = await startEngine('sqlite', {
      ehr: {
        routes: {
          default: { transport: { kind: 'mllp', ...fast }, maxAttempts: 3, retryBaseDelayMs: 100 },
          latin1: { transport: { kind: 'mllp', ...fast }, charset: 'ISO-8859-1', organizations: ['org-latin1'] },
          strict: { transport: { kind: 'mllp', ...fast }, charset: 'ISO-8859-1', onUnmappable: 'error', organizations: ['org-strict'] },
          down: { transport: { kind: 'mllp', host: '127.0.0.1', port: downPort, ...fast }, maxAttempts: 30, retryBaseDelayMs: 100, organizations: ['org-down'] },
        },
      },
    });
  });
  afterAll(async () => {
    await lateReceiver?.close();
    await h.close();
  });

  const reset = () => fetch(`${h.url}/sandbox/ehr/_admin/reset`, { method: 'POST' });
  const send = async (over: { title?: string; payload?: Buffer; patientId?: string; encounter?: boolean } = {}) => {
    const { patient, encounter } = await h.patientWithEncounter();
    const pdf = over.payload ?? (await makePdf('fault run'));
    const res = await h.sendToEhr(
      parameters({ patientId: over.patientId ?? patient.id!, ...(over.encounter === false || over.patientId ? {} : { encounterId: encounter.id! }), payload: pdf, title: over.title ?? `t-${Math.random()}` }),
    );
    expect(res.status).toBe(200);
    return { pdf, url: res.body.parameter[0].valueString as string, id: res.body.parameter[1].valueString as string };
  };
  const createPatient = async (p: Partial<Patient>) => {
    const r = await fetch(`${h.url}/sandbox/fhir-emr/Patient`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', identifier: [{ system: 'urn:test:ipp', value: `IPP${Date.now()}` }], gender: 'female', birthDate: '1975-03-04', ...p }),
    });
    expect(r.status).toBe(201);
    return ((await r.json()) as Patient).id!;
  };

  it('AE: entered-in-error with the reason from the ACK, not retried, nothing stored by the EHR', async () => {
    await reset();
    await h.setAckMode('AE');
    const { url, id } = await send();
    const bundle = await h.waitForStatus(url, ['entered-in-error', 'completed']);
    const c = bundle.entry[0].resource;
    expect(c.status).toBe('entered-in-error');
    expect(c.statusReason.text).toMatch(/^EHR answered AE: .*sandbox mode AE/);
    expect(c.sent).toBeUndefined();
    expect(h.received().filter((i) => i.accepted)).toHaveLength(0);
    const detail = await h.server.ctx.sendToEhr().detail(id);
    expect(detail!.deliveries[0]!.attemptLog).toMatchObject([{ attempt: 1, outcome: 'rejected', ackCode: 'AE' }]);
    expect(detail!.canResend).toBe(true);

    // Re-send from the UI once the EHR is fixed: a second delivery (Communication), same MSH-10.
    await h.setAckMode('AA');
    const again = await h.server.ctx.sendToEhr().resend(id);
    expect('deliveryId' in again).toBe(true);
    const b2 = await h.waitForStatus(url, ['completed', 'entered-in-error']);
    expect(b2.entry.map((e: { resource: { status: string } }) => e.resource.status)).toEqual(['entered-in-error', 'completed']);
    const controlIds = h.received().map((i) => i.controlId);
    expect(new Set(controlIds).size).toBe(1);
  });

  it('AR: retried with backoff, then entered-in-error', async () => {
    await reset();
    await h.setAckMode('AR');
    const { url, id } = await send();
    const bundle = await h.waitForStatus(url, ['entered-in-error', 'completed']);
    expect(bundle.entry[0].resource.statusReason.text).toMatch(/^not delivered after 3 attempts; last: EHR answered AR/);
    const detail = await h.server.ctx.sendToEhr().detail(id);
    expect(detail!.deliveries[0]!.attemptLog.map((a) => a.outcome)).toEqual(['retry', 'retry', 'retry']);
    expect(h.received()).toHaveLength(3);
    expect(new Set(h.received().map((i) => i.controlId)).size).toBe(1);
  });

  it('no answer: timeouts are retried with the same control id, then delivered once the EHR answers', async () => {
    await reset();
    await h.setAckMode('none');
    const { url, pdf } = await send();
    const end = Date.now() + 10_000;
    while (h.received().length < 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect((await h.fhirCall(url)).body.entry[0].resource.status).toBe('in-progress');
    await h.setAckMode('AA');
    await h.waitForStatus(url, ['completed']);
    const accepted = h.received().filter((i) => i.accepted);
    expect(accepted).toHaveLength(1);
    expect(h.receiver().store.document(accepted[0]!.id)!.equals(pdf)).toBe(true);
  });

  it('receiver down, then back: refused connections are retried until it listens', async () => {
    const pid = await createPatient({ name: [{ family: 'Martin', given: ['Claire'] }], managingOrganization: { reference: 'Organization/org-down' } });
    const { url, id } = await send({ patientId: pid });
    const end = Date.now() + 10_000;
    let detail = await h.server.ctx.sendToEhr().detail(id);
    while ((detail?.deliveries[0]?.attempts ?? 0) < 2 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      detail = await h.server.ctx.sendToEhr().detail(id);
    }
    expect(detail!.deliveries[0]!.attemptLog[0]).toMatchObject({ outcome: 'retry' });
    expect(detail!.deliveries[0]!.attemptLog[0]!.detail).toMatch(/ECONNREFUSED|refused/i);
    lateReceiver = Fastify();
    await lateReceiver.register(ehrSandbox, { prefix: '/ehr', mllpPort: downPort });
    await lateReceiver.ready();
    await h.waitForStatus(url, ['completed'], 30_000);
    const got = getEhrSandboxInfo(lateReceiver).store.list().filter((i) => i.accepted);
    expect(got).toHaveLength(1);
  });

  it('carries HL7 delimiters and MLLP framing bytes in the title and the PDF intact', async () => {
    await reset();
    const title = 'CR | pipe ^ caret ~ tilde \\ backslash & amp \x0B VT \x1C FS \r CR end';
    const base = await makePdf('delimiters');
    const pdf = Buffer.concat([base, Buffer.from('\n% |^~\\&\x0B\x1C\x0D\x0A raw bytes after EOF\n', 'latin1')]);
    const { url } = await send({ title, payload: pdf });
    await h.waitForStatus(url, ['completed']);
    const item = h.received().find((i) => i.accepted)!;
    const msg = parseHl7(item.raw);
    const obx = findSegments(msg, 'OBX');
    const ed = obx.find((o) => field(o, 2) === 'ED')!;
    const tx = obx.find((o) => field(o, 2) === 'TX')!;
    expect(Buffer.from(field(ed, 5).split('^')[4]!, 'base64').equals(pdf)).toBe(true);
    expect(unescapeHl7(field(tx, 5), msg.delimiters)).toBe(title);
    expect(item.raw.split('\r').every((seg) => /^[A-Z][A-Z0-9]{2}\|/.test(seg) || seg === '')).toBe(true);
  });

  it('ISO-8859-1 route: names outside Latin-1 are transliterated (documented), never mojibake', async () => {
    await reset();
    const pid = await createPatient({
      name: [{ family: 'Dvořák-Łukasiewicz', given: ['Zoë', 'Włodzimierz'] }],
      managingOrganization: { reference: 'Organization/org-latin1' },
    });
    const { url } = await send({ patientId: pid, title: 'Lettre œdème – suivi' });
    await h.waitForStatus(url, ['completed']);
    const item = h.received().find((i) => i.accepted)!;
    expect(item.raw).toContain('MSH|^~\\&');
    expect(item.raw).toContain('8859/1');
    const pid5 = field(findSegments(parseHl7(item.raw), 'PID')[0]!, 5);
    expect(pid5).toMatch(/^Dvorák-Lukasiewicz\^Zoë\^Wlodzimierz/);
    expect(item.raw).toContain('Lettre oedème - suivi');
    expect(item.raw).not.toMatch(/Ã|Å|Ä|\uFFFD/);
  });

  it('ISO-8859-1 route set to fail: a clear entered-in-error, nothing sent', async () => {
    await reset();
    const pid = await createPatient({ name: [{ family: '王', given: ['秀英'] }], managingOrganization: { reference: 'Organization/org-strict' } });
    const { url } = await send({ patientId: pid });
    const bundle = await h.waitForStatus(url, ['entered-in-error', 'completed']);
    expect(bundle.entry[0].resource.statusReason.text).toMatch(/cannot be written in ISO-8859-1: character U\+738B/);
    expect(h.received()).toHaveLength(0);
  });
});

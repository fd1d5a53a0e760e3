import { Hl7Message } from '@medplum/core';
import type { Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../test/helpers/stores.js';
import { makePdf, parameters, startEngine, type EngineHarness } from './test-helpers/engine-harness.js';

/**
 * Issue 3 "Done when": the seed's example request with a real PDF and a sandbox patient is
 * tracked to `completed`, and the EHR holds a message from which the exact bytes and the
 * patient's name and birth date are read back by an independent parser. ORU^R01 over MLLP on
 * both dialects (SQLite queue, graphile-worker); HPRIM by file drop and JSON over HTTP below.
 */
const hl7Date = (fhirDate: string | undefined) => (fhirDate ?? '').replace(/-/g, '');

const SEED_TITLE = "Consentement à l'intervention";

async function sendSeedExample(h: EngineHarness, opts: { untitled?: boolean } = {}) {
  const title = opts.untitled ? undefined : SEED_TITLE;
  const { patient, encounter } = await h.patientWithEncounter();
  const pdf = await makePdf(`compte rendu ${Math.random()}`, 2);
  const res = await h.sendToEhr(parameters({ patientId: patient.id!, encounterId: encounter.id!, payload: pdf, title }));
  expect(res.status).toBe(200);
  const trackingUrl = res.body.parameter.find((p: { name: string }) => p.name === 'tracking-url').valueString as string;
  const transactionId = res.body.parameter.find((p: { name: string }) => p.name === 'transaction-id').valueString as string;
  return { patient, encounter, pdf, trackingUrl, transactionId };
}

describe.each(DIALECTS)('send to EHR end to end, ORU^R01 over MLLP (%s)', (dialect) => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngine(dialect);
  });
  afterAll(async () => h.close());

  it('delivers the seed example: tracking completed, OBX-5 decodes to the exact bytes, Hl7Message reads name and birth date', async () => {
    const { patient, pdf, trackingUrl, transactionId } = await sendSeedExample(h);
    const bundle = await h.waitForStatus(trackingUrl, ['completed', 'entered-in-error', 'unknown']);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection', total: 1 });
    const comm = bundle.entry[0].resource;
    expect(comm).toMatchObject({ resourceType: 'Communication', status: 'completed', basedOn: [{ reference: `CommunicationRequest/${transactionId}` }] });
    expect(Date.parse(comm.sent)).not.toBeNaN();

    const items = h.received().filter((i) => i.accepted);
    expect(items).toHaveLength(1);
    expect(items[0]!.messageType).toBe('ORU^R01');
    const msg = Hl7Message.parse(items[0]!.raw);
    const pid = msg.getSegment('PID')!;
    const name = patient.name![0]!;
    expect(pid.getField(5).getComponent(1)).toBe(name.family);
    expect(pid.getField(5).getComponent(2)).toBe(name.given![0]);
    expect(pid.getField(7).toString()).toBe(hl7Date(patient.birthDate));
    const obx = msg.getAllSegments('OBX').find((s) => s.getField(2).toString() === 'ED')!;
    const data = Buffer.from(obx.getField(5).getComponent(5), 'base64');
    expect(data.equals(pdf)).toBe(true);
    expect(msg.getAllSegments('OBX').some((s) => s.getField(5).toString() === "Consentement à l'intervention")).toBe(true);
    expect(msg.getSegment('MSH')!.getField(10).toString()).toMatch(/^[A-Z2-7]{20}$/);
  });

  it('reports the same request sent twice within the window as the same transaction, delivered once', async () => {
    const { patient, encounter } = await h.patientWithEncounter();
    const pdf = await makePdf('sent twice');
    const params = parameters({ patientId: patient.id!, encounterId: encounter.id!, payload: pdf, title: 'twice' });
    const before = h.received().length;
    const [a, b] = await Promise.all([h.sendToEhr(params), h.sendToEhr(params)]);
    const c = await h.sendToEhr(params);
    const ids = [a, b, c].map((r) => r.body.parameter[1].valueString);
    expect(new Set(ids).size).toBe(1);
    await h.waitForStatus(a.body.parameter[0].valueString, ['completed']);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.received().length - before).toBe(1);
    const other = await h.sendToEhr(parameters({ patientId: patient.id!, encounterId: encounter.id!, payload: pdf, title: 'a different title' }));
    expect(other.body.parameter[1].valueString).not.toBe(ids[0]);
  });

  it('titles an untitled document type_day_identifier (no name or birth date: issue 6, item 9), and keeps the status history', async () => {
    const { patient, trackingUrl, transactionId } = await sendSeedExample(h, { untitled: true });
    await h.waitForStatus(trackingUrl, ['completed']);
    const detail = await h.server.ctx.sendToEhr().detail(transactionId);
    const n = patient.name![0]!;
    expect(detail!.title).toBe(`11488-4_${detail!.createdAt.slice(0, 10).replace(/-/g, '')}_${detail!.controlId}`);
    expect(detail!.title).not.toContain(n.family!);
    expect(detail!.title).not.toContain(hl7Date(patient.birthDate));
    const d = detail!.deliveries[0]!;
    expect(d.events.map((e) => e.status)).toEqual(['preparation', 'in-progress', 'completed']);
    expect(d.attemptLog).toMatchObject([{ attempt: 1, outcome: 'delivered', ackCode: 'AA' }]);
    expect(d.messagePreview).toMatch(/<base64 elided: \d+ characters>/);
    expect(d.messagePreview!.length).toBeLessThan(4000);
  });
});

describe('send to EHR end to end, other formats (sqlite)', () => {
  it('HPRIM: the .HPR and the document land in the drop folder; P record has the name and birth date; the file is the exact bytes', async () => {
    const h = await startEngine('sqlite', { ehr: { routes: { default: { format: 'hprim', transport: { kind: 'file' } } } } });
    try {
      const { patient, pdf, trackingUrl } = await sendSeedExample(h);
      await h.waitForStatus(trackingUrl, ['completed']);
      let item = h.received().find((i) => i.accepted);
      for (let i = 0; !item && i < 100; i++) {
        await new Promise((r) => setTimeout(r, 50));
        item = h.received().find((x) => x.accepted);
      }
      expect(item?.messageType).toMatch(/HPRIM/);
      expect(h.receiver().store.document(item!.id)!.equals(pdf)).toBe(true);
      // The H line declares the separators: field, then sub-field (component) second.
      const lines = item!.raw.split(/\r\n|\r|\n/);
      const h0 = lines[0]!;
      const [fieldSep, subSep] = [h0[1]!, h0[2]!];
      const p = lines.find((l) => l.startsWith(`P${fieldSep}`))!.split(fieldSep);
      const n = patient.name![0]!;
      expect(p[5]!.split(subSep).slice(0, 2)).toEqual([n.family, n.given![0]]);
      expect(p[7]).toBe(hl7Date(patient.birthDate));
    } finally {
      await h.close();
    }
  });

  it('JSON over HTTP: the documented schema carries the name, birth date and the exact bytes', async () => {
    const h = await startEngine('sqlite', { ehr: { routes: { default: { format: 'json', transport: { kind: 'http' } } } } });
    try {
      const { patient, pdf, trackingUrl, transactionId } = await sendSeedExample(h);
      await h.waitForStatus(trackingUrl, ['completed']);
      const item = h.received().find((i) => i.accepted)!;
      expect(item.messageType).toBe('JSON');
      const doc = JSON.parse(item.raw) as { patient: Patient & { family: string; given: string[] }; document: { data: string; title: string } };
      const n = patient.name![0]!;
      expect(doc.patient.family).toBe(n.family);
      expect(doc.patient.given[0]).toBe(n.given![0]);
      expect(doc.patient.birthDate).toBe(patient.birthDate);
      expect(Buffer.from(doc.document.data, 'base64').equals(pdf)).toBe(true);
      expect(doc.document.title).toBe("Consentement à l'intervention");
      const detail = await h.server.ctx.sendToEhr().detail(transactionId);
      expect(detail!.deliveries[0]!.messagePreview).not.toContain(pdf.toString('base64').slice(0, 200));
    } finally {
      await h.close();
    }
  });
});

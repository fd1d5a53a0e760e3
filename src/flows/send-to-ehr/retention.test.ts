import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../test/helpers/stores.js';
import { makePdf, parameters, startEngine, type EngineHarness } from './test-helpers/engine-harness.js';

/**
 * Retention (issue 3, "Processing"): document bytes go once every delivery ended more than the
 * document retention ago; the status stays until the tracking period ends, then the sending
 * is a tombstone answering 410. Storage behaviour, so on both dialects.
 */
describe.each(DIALECTS)('send to EHR retention (%s)', (dialect) => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngine(dialect, { ehr: { documentRetentionHours: 24, trackingRetentionMonths: 2 }, retention: { messagePreviewDays: 7 } });
  });
  afterAll(async () => h.close());

  it('purges the bytes after delivery + retention, keeps the status, then answers 410 after the tracking period', async () => {
    const { patient, encounter } = await h.patientWithEncounter();
    const res = await h.sendToEhr(parameters({ patientId: patient.id!, encounterId: encounter.id!, payload: await makePdf('retention'), title: 'retention' }));
    const [url, id] = [res.body.parameter[0].valueString as string, res.body.parameter[1].valueString as string];
    await h.waitForStatus(url, ['completed']);
    const svc = h.server.ctx.sendToEhr();
    const db = h.server.ctx.store.db;
    const blobCount = async () => (await db.selectFrom('ehr_document_blobs').select('transaction_id').where('transaction_id', '=', id).execute()).length;

    expect(await svc.runRetention(new Date(Date.now() + 23 * 3600_000))).toMatchObject({ purgedDocuments: 0 });
    expect(await blobCount()).toBe(1);
    expect(await svc.runRetention(new Date(Date.now() + 25 * 3600_000))).toMatchObject({ purgedDocuments: 1, expiredTransactions: 0 });
    expect(await blobCount()).toBe(0);
    await h.renewToken(); // the run in the future also purged the (then expired) token
    const tracked = await h.fhirCall(url);
    expect(tracked.status).toBe(200);
    expect(tracked.body.entry[0].resource.status).toBe('completed');
    expect((await svc.detail(id))!.canResend).toBe(false);

    const in3Months = new Date(Date.now() + 93 * 24 * 3600_000);
    expect(await svc.tracking(h.clientId, id, in3Months)).toEqual({ state: 'gone' });
    expect(await svc.runRetention(in3Months)).toMatchObject({ expiredTransactions: 1 });
    expect(await db.selectFrom('ehr_deliveries').select('id').where('transaction_id', '=', id).execute()).toHaveLength(0);
    const tombstone = await db.selectFrom('ehr_transactions').select(['expired_at', 'title']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(tombstone.expired_at).not.toBeNull();
    expect(tombstone.title).toBeNull();
    await h.renewToken();
    const gone = await h.fhirCall(url);
    expect(gone.status).toBe(410);
    expect(gone.body.resourceType).toBe('OperationOutcome');
  });

  it('keeps the bytes of a delivery still in progress', async () => {
    await h.setAckMode('none');
    try {
      const { patient } = await h.patientWithEncounter();
      const res = await h.sendToEhr(parameters({ patientId: patient.id!, payload: await makePdf('pending'), title: 'pending' }));
      const id = res.body.parameter[1].valueString as string;
      await h.server.ctx.sendToEhr().runRetention(new Date(Date.now() + 30 * 24 * 3600_000));
      await h.renewToken();
      const blob = await h.server.ctx.store.db.selectFrom('ehr_document_blobs').select('transaction_id').where('transaction_id', '=', id).execute();
      expect(blob).toHaveLength(1);
    } finally {
      await h.setAckMode('AA');
    }
  });

  it('titles a document without the patient name or birth date, and keeps the preview identifier-free after its retention (issue 6, item 9)', async () => {
    const { patient, encounter } = await h.patientWithEncounter();
    const res = await h.sendToEhr(parameters({ patientId: patient.id!, encounterId: encounter.id!, payload: await makePdf('preview') }));
    const [url, id] = [res.body.parameter[0].valueString as string, res.body.parameter[1].valueString as string];
    await h.waitForStatus(url, ['completed']);
    const svc = h.server.ctx.sendToEhr();
    const family = patient.name![0]!.family!;
    const birth = patient.birthDate!;
    const before = (await svc.detail(id))!;
    expect(before.title).toMatch(new RegExp(`^11488-4_\\d{8}_${before.controlId}$`));
    expect(before.title).not.toContain(family);
    const previewBefore = before.deliveries[0]!.messagePreview!;
    expect(previewBefore).toContain(family); // the message as sent, while it may still be investigated
    expect(previewBefore).toContain(birth.replace(/-/g, ''));

    expect(await svc.runRetention(new Date(Date.now() + 6 * 24 * 3600_000))).toMatchObject({ redactedPreviews: 0 });
    expect((await svc.detail(id))!.deliveries[0]!.messagePreview).toBe(previewBefore);
    const run = await svc.runRetention(new Date(Date.now() + 8 * 24 * 3600_000));
    expect(run.redactedPreviews).toBeGreaterThanOrEqual(1);
    const after = (await svc.detail(id))!.deliveries[0]!;
    expect(after.messagePreview).not.toContain(family);
    expect(after.messagePreview).not.toContain(birth.replace(/-/g, ''));
    for (const g of patient.name![0]!.given ?? []) expect(after.messagePreview).not.toContain(g);
    expect(after.messagePreview).toMatch(/^MSH\|/);
    expect(after.messagePreview).toContain(before.controlId);
    expect(after.status).toBe('completed');
    // Idempotent: a second pass finds nothing more to do.
    expect((await svc.runRetention(new Date(Date.now() + 8 * 24 * 3600_000))).redactedPreviews).toBe(0);
    await h.renewToken();
  });
});

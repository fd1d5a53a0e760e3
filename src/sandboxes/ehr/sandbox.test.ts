import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseAck } from '../../hl7/ack.js';
import { sampleInput } from '../../hl7/test-helpers/sample-input.js';
import { sendMllp } from '../../mllp/client.js';
import { renderForEhr } from '../../partners/ehr/formats/index.js';
import { EhrAckError, deliverOverHttp, deliverOverMllp, deliverToDirectory, EhrHttpError } from '../../partners/ehr/transports/index.js';
import { PartnerError } from '../../partners/partner-error.js';
import { ehrSandbox, getEhrSandboxInfo } from './index.js';
import type { ReceivedItem } from './store.js';

const PREFIX = '/sandbox/ehr';
let app: FastifyInstance;
let baseUrl: string;
let dropDir: string;

beforeAll(async () => {
  dropDir = await mkdtemp(join(tmpdir(), 'ehr-drop-test-'));
  app = Fastify();
  await app.register(ehrSandbox, { prefix: PREFIX, dropDir, pollIntervalMs: 50 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  baseUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

afterAll(async () => {
  await app.close();
  await rm(dropDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await app.inject({ method: 'POST', url: `${PREFIX}/_admin/reset` });
});

const mllpOpts = (ackTimeoutMs = 2000) => ({ host: '127.0.0.1', port: getEhrSandboxInfo(app).mllpPort, connectTimeoutMs: 1000, ackTimeoutMs });

/** The listing (newest first, summaries), returned oldest first for readable assertions. */
async function received(): Promise<{ items: ReceivedItem[]; duplicates: number; mode: string }> {
  const res = await app.inject({ method: 'GET', url: `${PREFIX}/_admin/received?limit=500` });
  const body = res.json() as { items: ReceivedItem[]; duplicates: number; mode: string };
  return { items: body.items.reverse(), duplicates: body.duplicates, mode: body.mode };
}

/** The message text as received, from its own download route. */
async function rawOf(id: string): Promise<string> {
  const res = await app.inject({ method: 'GET', url: `${PREFIX}/_admin/received/${id}/raw` });
  expect(res.statusCode).toBe(200);
  return res.body;
}

async function setMode(ack: string): Promise<number> {
  const res = await app.inject({ method: 'POST', url: `${PREFIX}/_admin/mode`, payload: { ack } });
  return res.statusCode;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function expectKind(p: Promise<unknown>, kind: PartnerError['kind']): Promise<PartnerError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PartnerError);
  expect((err as PartnerError).kind).toBe(kind);
  return err as PartnerError;
}

describe('EHR sandbox: MLLP receiver', () => {
  it('accepts an ORU^R01 with AA, lists it, and serves the document bytes', async () => {
    const input = sampleInput();
    const payload = renderForEhr('hl7-oru', input);
    const delivery = await deliverOverMllp(mllpOpts(), payload);
    expect(delivery.ack).toMatchObject({ ackCode: 'AA', acknowledgedControlId: 'TX-0001' });

    const { items } = await received();
    expect(items).toHaveLength(1);
    const item = items[0] as ReceivedItem;
    expect(item).toMatchObject({ transport: 'mllp', controlId: 'TX-0001', messageType: 'ORU^R01', ack: 'AA', accepted: true });
    expect(item.raw).toBeUndefined(); // never inlined in the listing
    expect(await rawOf(item.id)).toContain(input.document.data.toString('base64'));
    expect(item.rawElided).toMatch(/\^AP\^PDF\^Base64\^<base64 elided: \d+ chars>/);
    expect(item.document).toMatchObject({ contentType: 'application/pdf', size: input.document.data.length, sha256: sha(input.document.data) });
    const doc = await app.inject({ method: 'GET', url: `${PREFIX}/_admin/received/${item.id}/document` });
    expect(doc.headers['content-type']).toBe('application/pdf');
    expect(doc.rawPayload.equals(input.document.data)).toBe(true);
  });

  it('acknowledges a resend of the same MSH-10 with AA again but stores it once', async () => {
    const payload = renderForEhr('hl7-oru', sampleInput());
    await deliverOverMllp(mllpOpts(), payload);
    const again = await deliverOverMllp(mllpOpts(), payload);
    expect(again.ack.ackCode).toBe('AA');
    const { items, duplicates } = await received();
    expect(items).toHaveLength(1);
    expect(duplicates).toBe(1);
  });

  it('answers per mode: AE permanent with reason, AR transient, none ambiguous', async () => {
    const payload = renderForEhr('hl7-mdm', sampleInput());
    expect(await setMode('AE')).toBe(200);
    const ae = await expectKind(deliverOverMllp(mllpOpts(), payload), 'permanent');
    expect(ae).toBeInstanceOf(EhrAckError);
    expect(ae.message).toContain('rejected by sandbox mode AE');
    expect((ae as EhrAckError).ack.errors[0]?.code).toBe('207');

    await setMode('AR');
    await expectKind(deliverOverMllp(mllpOpts(), payload), 'transient');

    await setMode('none');
    await expectKind(deliverOverMllp(mllpOpts(300), payload), 'ambiguous');

    const { items, mode } = await received();
    expect(mode).toBe('none');
    expect(items.map((i) => i.ack)).toEqual(['AE', 'AR', null]);
    expect(items.every((i) => !i.accepted)).toBe(true);
    expect(await setMode('bogus')).toBe(400);
  });

  it('answers AE with ERR when PID is missing, and AE when PID-3 is empty', async () => {
    const text = renderForEhr('hl7-oru', sampleInput()).main.bytes.toString('utf8');
    const noPid = text.split('\r').filter((s) => !s.startsWith('PID|')).join('\r');
    const ack = parseAck(await sendMllp(mllpOpts(), Buffer.from(noPid)));
    expect(ack.ackCode).toBe('AE');
    expect(ack.errors).toContainEqual(expect.objectContaining({ location: 'PID', code: '100' }));

    const emptyPid3 = renderForEhr('hl7-oru', sampleInput({ controlId: 'TX-2', patient: { resourceType: 'Patient', name: [{ family: 'X' }] } }));
    const ack2 = parseAck(await sendMllp(mllpOpts(), emptyPid3.main.bytes));
    expect(ack2.ackCode).toBe('AE');
    expect(ack2.errors).toContainEqual(expect.objectContaining({ location: 'PID^1^3', code: '101' }));
  });

  it('tolerates LF and CRLF segment ends', async () => {
    const text = renderForEhr('hl7-oru', sampleInput()).main.bytes.toString('utf8');
    const lf = parseAck(await sendMllp(mllpOpts(), Buffer.from(text.replaceAll('\r', '\n'))));
    expect(lf).toMatchObject({ ackCode: 'AA', acknowledgedControlId: 'TX-0001' });
    const crlf = renderForEhr('hl7-oru', sampleInput({ controlId: 'TX-CRLF' })).main.bytes.toString('utf8').replaceAll('\r', '\r\n');
    expect(parseAck(await sendMllp(mllpOpts(), Buffer.from(crlf))).ackCode).toBe('AA');
    // The public sample (LF, ORU v2.5.1) parses; its ED OBX has no data, hence AE, with MSA-2 right.
    const sample = readFileSync('/work/shared/data/hl7v2/ORU-R01-01.hl7');
    const sampleAck = parseAck(await sendMllp(mllpOpts(), sample));
    expect(sampleAck.acknowledgedControlId).toBe('2.16.840.1.114222.4.3.3.5.1.2-20120314235954.325');
    expect(sampleAck.ackCode).toBe('AE');
  });

  it('answers garbage with AR and an empty MSA-2, rejects unsupported types with AR', async () => {
    const garbage = parseAck(await sendMllp(mllpOpts(), Buffer.from('hello, is this the EHR?')));
    expect(garbage).toMatchObject({ ackCode: 'AR', acknowledgedControlId: '' });
    // ADT^A04/A08 and SIU^S12-S15 are taken (the sandbox plays the HL7 EMR too): A28 is not.
    const adt = readFileSync('/work/shared/data/hl7v2/ADT-A28-01.hl7');
    const ack = parseAck(await sendMllp(mllpOpts(), adt));
    expect(ack.ackCode).toBe('AR');
    expect(ack.errors[0]?.code).toBe('200');
  });

  it('reads ISO-8859-1 messages per MSH-18 and answers in the same charset', async () => {
    const input = sampleInput({ controlId: 'TX-LATIN' });
    const payload = renderForEhr('hl7-oru', input, { hl7: { charset: 'ISO-8859-1' } });
    await deliverOverMllp(mllpOpts(), payload);
    const { items } = await received();
    expect(await rawOf(items[0]!.id)).toContain('Martin^Zoé');
  });
});

describe('EHR sandbox: file drop', () => {
  const waitForItems = (n: number) =>
    vi.waitFor(async () => {
      const r = await received();
      expect(r.items.length + r.duplicates).toBeGreaterThanOrEqual(n);
      return r;
    }, { timeout: 3000, interval: 50 });

  it('consumes an HPRIM delivery after its .OK marker and moves it to processed/', async () => {
    const input = sampleInput({ controlId: 'TX-HPR-1' });
    const payload = renderForEhr('hprim', input);
    const delivery = await deliverToDirectory({ dir: dropDir }, payload);
    expect(delivery.files.map((f) => f.slice(dropDir.length + 1))).toEqual(['TX-HPR-1.PDF', 'TX-HPR-1.HPR', 'TX-HPR-1.OK']);
    const { items } = await waitForItems(1);
    expect(items[0]).toMatchObject({ transport: 'file', controlId: 'TX-HPR-1', messageType: 'HPRIM^ORU', ack: 'AA', accepted: true });
    expect(items[0]?.document).toMatchObject({ fileName: 'TX-HPR-1.PDF', sha256: sha(input.document.data) });
    await vi.waitFor(async () => expect((await readdir(dropDir)).sort()).toEqual(['processed']));
    expect((await readdir(join(dropDir, 'processed'))).sort()).toEqual(['TX-HPR-1.HPR', 'TX-HPR-1.OK', 'TX-HPR-1.PDF']);

    // Redelivery of the same transaction: same names, counted as a duplicate, stored once.
    await deliverToDirectory({ dir: dropDir }, payload);
    const after = await waitForItems(2);
    expect(after.items).toHaveLength(1);
    expect(after.duplicates).toBe(1);
  });

  it('consumes .hl7 and .json drops, and ignores files without a marker', async () => {
    await writeFile(join(dropDir, 'PENDING.HPR'), 'H|~^\\&|PENDING.HPR\r');
    await deliverToDirectory({ dir: dropDir }, renderForEhr('hl7-oru', sampleInput({ controlId: 'TX-F-HL7' })));
    await deliverToDirectory({ dir: dropDir }, renderForEhr('json', sampleInput({ controlId: 'TX-F-JSON' })));
    const { items } = await waitForItems(2);
    expect(items.map((i) => [i.controlId, i.messageType, i.ack]).sort()).toEqual([
      ['TX-F-HL7', 'ORU^R01', 'AA'],
      ['TX-F-JSON', 'JSON', 'AA'],
    ]);
    expect(existsSync(join(dropDir, 'PENDING.HPR'))).toBe(true);
    await rm(join(dropDir, 'PENDING.HPR'));
  });
});

describe('EHR sandbox: HTTP JSON', () => {
  const url = (): string => `${baseUrl}${PREFIX}/json`;

  it('accepts a JSON document, de-duplicates a resend, keeps the Idempotency-Key contract', async () => {
    const input = sampleInput({ controlId: 'TX-HTTP-1' });
    const payload = renderForEhr('json', input);
    const first = await deliverOverHttp({ url: url(), timeoutMs: 2000 }, payload);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.responseText)).toMatchObject({ status: 'accepted', transactionId: 'TX-HTTP-1' });
    const second = await deliverOverHttp({ url: url(), timeoutMs: 2000 }, payload);
    expect(JSON.parse(second.responseText)).toMatchObject({ status: 'duplicate' });
    const { items, duplicates } = await received();
    expect(items).toHaveLength(1);
    expect(duplicates).toBe(1);
    expect(items[0]?.rawElided).toContain('<base64 elided:');
    expect(items[0]?.document?.sha256).toBe(sha(input.document.data));
  });

  it('rejects an invalid document with 422 (permanent) naming the fields, not the values', async () => {
    const payload = renderForEhr('json', sampleInput());
    const broken = JSON.parse(payload.main.bytes.toString('utf8'));
    broken.document.sha256 = '0'.repeat(64);
    delete broken.patient;
    const err = await expectKind(
      deliverOverHttp({ url: url(), timeoutMs: 2000 }, { ...payload, main: { ...payload.main, bytes: Buffer.from(JSON.stringify(broken)) } }),
      'permanent',
    );
    expect(err).toBeInstanceOf(EhrHttpError);
    expect((err as EhrHttpError).responseText).toContain('patient');
  });

  it('answers per mode: AE 422 permanent, AR 503 transient with Retry-After, none ambiguous', async () => {
    const payload = renderForEhr('json', sampleInput());
    await setMode('AE');
    await expectKind(deliverOverHttp({ url: url(), timeoutMs: 2000 }, payload), 'permanent');
    await setMode('AR');
    const ar = await expectKind(deliverOverHttp({ url: url(), timeoutMs: 2000 }, payload), 'transient');
    expect(ar.retryAfterMs).toBe(1000);
    await setMode('none');
    await expectKind(deliverOverHttp({ url: url(), timeoutMs: 300 }, payload), 'ambiguous');
  });

  it('resets everything', async () => {
    await deliverOverHttp({ url: url(), timeoutMs: 2000 }, renderForEhr('json', sampleInput()));
    await setMode('AE');
    await app.inject({ method: 'POST', url: `${PREFIX}/_admin/reset` });
    expect(await received()).toEqual({ items: [], duplicates: 0, mode: 'AA' });
    expect(getEhrSandboxInfo(app).store.storedBytes).toBe(0);
  });
});

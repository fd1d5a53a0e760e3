import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAck } from '../../hl7/ack.js';
import { receiveHl7 } from './receive-hl7.js';
import { EhrSandboxStore } from './store.js';

/**
 * The receiver playing an HL7 EMR (issue 9): ADT^A04/A08 and SIU^S12-S15 are taken, checked for
 * the segments their structure requires, de-duplicated on sender + MSH-10 and listed with their
 * type. Public samples from ../data/hl7v2/ (v2.8, LF line ends).
 */
const sample = (name: string): Buffer => readFileSync(`/work/shared/data/hl7v2/${name}-01.hl7`);

const minimalAdt = (segments: string[], msh5 = 'EMR', controlId = 'C1'): Buffer =>
  Buffer.from([`MSH|^~\\&|EHRBRIDGE|ONCALL|${msh5}||20261202183005+0000||ADT^A04^ADT_A01|${controlId}|P|2.5.1`, ...segments].join('\r') + '\r');

describe('EHR receiver sandbox: ADT and SIU', () => {
  it('accepts the public ADT^A04/A08 and SIU^S12-S15 samples with AA and keeps their type', () => {
    // One store each: the samples share MSH-10 MSG00001 and would be duplicates of each other.
    for (const name of ['ADT-A04', 'ADT-A08', 'SIU-S12', 'SIU-S13', 'SIU-S14', 'SIU-S15']) {
      const store = new EhrSandboxStore();
      const result = receiveHl7(sample(name), 'mllp', store);
      expect(result.ackCode, name).toBe('AA');
      expect(store.list()).toEqual([expect.objectContaining({ messageType: name.replace('-', '^'), accepted: true, errors: [] })]);
    }
  });

  it('answers AE naming the missing segment: ADT without EVN, SIU without SCH or PID', () => {
    const store = new EhrSandboxStore();
    const noEvn = receiveHl7(minimalAdt(['PID|1||K1^^^EMR^MR||Doe^Jo']), 'mllp', store);
    expect(noEvn.ackCode).toBe('AE');
    expect(parseAck(noEvn.ack as Buffer).errors).toEqual([expect.objectContaining({ code: '100', location: 'EVN' })]);

    const siu = Buffer.from('MSH|^~\\&|EHRBRIDGE|ONCALL|EMR||20261202183005+0000||SIU^S12^SIU_S12|C2|P|2.5.1\rRGS|1|A\r');
    const result = receiveHl7(siu, 'mllp', store);
    expect(result.ackCode).toBe('AE');
    expect(parseAck(result.ack as Buffer).errors.map((e) => e.location)).toEqual(['SCH', 'PID']);
    expect(store.list().every((i) => !i.accepted)).toBe(true);
  });

  it('answers AE when PID-3 has no identifier', () => {
    const result = receiveHl7(minimalAdt(['EVN|A04|20261202183005+0000', 'PID|1||||Doe^Jo']), 'mllp', new EhrSandboxStore());
    expect(result.ackCode).toBe('AE');
    expect(parseAck(result.ack as Buffer).errors[0]).toMatchObject({ code: '101', location: 'PID^1^3' });
  });

  it('keeps one copy of a message sent twice with the same MSH-10, and acknowledges both', () => {
    const store = new EhrSandboxStore();
    const adt = minimalAdt(['EVN|A04|20261202183005+0000', 'PID|1||K1^^^EMR^MR||Doe^Jo']);
    expect(receiveHl7(adt, 'mllp', store).ackCode).toBe('AA');
    const again = receiveHl7(adt, 'mllp', store);
    expect(again.ackCode).toBe('AA');
    expect(parseAck(again.ack as Buffer).text).toMatch(/duplicate/);
    expect(store.list()).toHaveLength(1);
    expect(store.duplicates).toBe(1);
  });

  it('refuses with AR an ADT/SIU addressed to the engine (the EMR feed pointed at the wrong port)', () => {
    const store = new EhrSandboxStore();
    const result = receiveHl7(minimalAdt(['EVN|A04|20261202183005+0000', 'PID|1||K1^^^EMR^MR||Doe^Jo'], 'EHRBRIDGE'), 'mllp', store);
    expect(result.ackCode).toBe('AR');
    const err = parseAck(result.ack as Buffer).errors[0];
    expect(err).toMatchObject({ code: '200', location: 'MSH^1^5' });
    expect(err?.message).toMatch(/message type .*not the engine's HL7 inbound/);
  });

  it('still refuses the types it does not play (ADT^A28) with AR 200', () => {
    const result = receiveHl7(sample('ADT-A28'), 'mllp', new EhrSandboxStore());
    expect(result.ackCode).toBe('AR');
    expect(parseAck(result.ack as Buffer).errors[0]?.code).toBe('200');
  });

  it('pages one message type at a time, newest first', () => {
    const store = new EhrSandboxStore();
    const adt = (id: string): Buffer => minimalAdt(['EVN|A04|20261202183005+0000', 'PID|1||K1^^^EMR^MR||Doe^Jo'], 'EMR', id);
    for (const id of ['A', 'B', 'C']) receiveHl7(adt(id), 'mllp', store);
    receiveHl7(sample('SIU-S12'), 'mllp', store);
    const first = store.page({ limit: 2, type: 'ADT^A04' });
    expect(first.items.map((i) => i.controlId)).toEqual(['C', 'B']);
    const second = store.page({ limit: 2, type: 'ADT^A04', before: first.nextBefore ?? 0 });
    expect(second).toMatchObject({ items: [expect.objectContaining({ controlId: 'A' })], nextBefore: null });
    expect(store.page({ limit: 5, type: 'SIU^S12' }).items).toHaveLength(1);
    expect(store.page({ limit: 5 }).items).toHaveLength(4);
  });
});

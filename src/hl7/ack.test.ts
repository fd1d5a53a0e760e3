import { readFileSync } from 'node:fs';
import { Hl7Message } from '@medplum/core';
import { describe, expect, it } from 'vitest';
import { HL7_ERROR_CODES, ackReason, buildAck, parseAck } from './ack.js';
import { deriveControlId } from './control-id.js';
import { unescapeHl7 } from './escape.js';
import { Hl7ParseError, component, field, findSegment, findSegments, parseHl7 } from './parse.js';

const SAMPLES = '/work/shared/data/hl7v2';
const sample = (name: string): string => readFileSync(`${SAMPLES}/${name}`, 'utf8');

describe('parseHl7 on the public samples (LF between segments)', () => {
  it('reads ORU-R01-01 with delimiters from MSH and unescapes NTE text', () => {
    const msg = parseHl7(sample('ORU-R01-01.hl7'));
    const msh = findSegment(msg, 'MSH');
    expect(field(msh, 9)).toBe('ORU^R01^ORU_R01');
    expect(field(msh, 10)).toBe('2.16.840.1.114222.4.3.3.5.1.2-20120314235954.325');
    expect(component(field(findSegment(msg, 'PID'), 5), msg.delimiters, 1)).toBe('Finn');
    const nte = findSegments(msg, 'NTE')[0];
    expect(unescapeHl7(field(nte, 3), msg.delimiters)).toContain('O157:H7 & other STECs');
  });

  it('reads the MDM-T02 sample: v2.6+ MIME style ED in OBX-5', () => {
    const msg = parseHl7(sample('MDM-T02-01.hl7'));
    const obx = findSegments(msg, 'OBX').find((s) => field(s, 2) === 'ED');
    expect([2, 3, 4].map((c) => component(field(obx, 5), msg.delimiters, c))).toEqual(['application', 'pdf', 'Base64']);
    expect(field(findSegment(msg, 'TXA'), 12)).toBe('1.2.840.317.5947431.51.20080131160038');
  });

  it('reads every public sample: MSH-10 present, every segment id valid', async () => {
    const { readdirSync } = await import('node:fs');
    const files = readdirSync(SAMPLES).filter((f) => f.endsWith('.hl7'));
    expect(files.length).toBeGreaterThanOrEqual(11);
    for (const f of files) {
      const msg = parseHl7(sample(f));
      expect(field(findSegment(msg, 'MSH'), 10), f).not.toBe('');
      // An ACK can be built for each with its own delimiters, and read back.
      expect(parseAck(buildAck(msg, { ackCode: 'AA' })).acknowledgedControlId, f).toBe(unescapeHl7(field(findSegment(msg, 'MSH'), 10), msg.delimiters));
    }
  });

  it('rejects text that is not HL7', () => {
    expect(() => parseHl7('HTTP/1.1 200 OK')).toThrow(Hl7ParseError);
    expect(() => parseHl7('MSH|^~\\&|A\rbad segment')).toThrow(Hl7ParseError);
  });
});

describe('buildAck / parseAck', () => {
  it('acknowledges a sample message with its own header values', () => {
    const original = parseHl7(sample('ORU-R01-01.hl7'));
    const ack = buildAck(original, { ackCode: 'AA', controlId: 'ACK1', now: new Date('2024-01-01T00:00:00Z') });
    const m = Hl7Message.parse(ack);
    const msh = m.getSegment('MSH');
    expect(msh?.getField(9).toString()).toBe('ACK^R01^ACK');
    expect(msh?.getField(3).toString()).toBe(field(findSegment(original, 'MSH'), 5));
    expect(msh?.getField(12).toString()).toBe('2.5.1');
    expect(m.getSegment('MSA')?.getField(2).toString()).toBe('2.16.840.1.114222.4.3.3.5.1.2-20120314235954.325');
    const parsed = parseAck(ack);
    expect(parsed).toMatchObject({ ackCode: 'AA', controlId: 'ACK1', acknowledgedControlId: '2.16.840.1.114222.4.3.3.5.1.2-20120314235954.325' });
  });

  it('writes and reads ERR segments, with the message delimiters', () => {
    const original = parseHl7('MSH!@*%$!APP!FAC!EHR!HOSP!20240101!!ORU@R01!C1!P!2.5\rOBR!1\r');
    const ack = buildAck(original, {
      ackCode: 'AE',
      text: 'PID missing | fix & resend',
      errors: [{ location: 'PID^1^3', ...HL7_ERROR_CODES.requiredFieldMissing, severity: 'E', message: 'PID segment is required' }],
    });
    expect(ack.startsWith('MSH!@*%$!EHR!HOSP!APP!FAC!')).toBe(true);
    expect(ack).toContain('ERR!!PID@1@3!101@Required field missing@HL70357!E!!!!PID segment is required');
    const parsed = parseAck(ack);
    expect(parsed.ackCode).toBe('AE');
    expect(parsed.text).toBe('PID missing | fix & resend');
    expect(parsed.errors).toEqual([
      { location: 'PID^1^3', code: '101', codeText: 'Required field missing', severity: 'E', message: 'PID segment is required' },
    ]);
    expect(ackReason(parsed)).toBe('PID missing | fix & resend; 101 Required field missing PID segment is required at PID^1^3');
  });

  it('reads a v2.3 style ERR-1 and ACK bytes in ISO-8859-1', () => {
    const raw = Buffer.from('MSH|^~\\&|EHR|H|APP|F|20240101||ACK|9|P|2.3||||||8859/1\nMSA|AE|C1|Identité inconnue\nERR|PID^1^3^204&Unknown key identifier\n', 'latin1');
    const parsed = parseAck(raw);
    expect(parsed.text).toBe('Identité inconnue');
    expect(parsed.errors).toEqual([{ location: 'PID^1^3', code: '204', codeText: 'Unknown key identifier' }]);
  });

  it('builds a best-effort AR for garbage', () => {
    const ack = buildAck(null, { ackCode: 'AR', text: 'unreadable message', errors: [{ ...HL7_ERROR_CODES.segmentSequence }] });
    expect(parseAck(ack)).toMatchObject({ ackCode: 'AR', acknowledgedControlId: '', text: 'unreadable message' });
  });

  it('rejects replies that are not ACKs', () => {
    expect(() => parseAck('MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5\rPID|1\r')).toThrow(/MSA/);
    expect(() => parseAck('MSH|^~\\&|A|B|C|D|1||ACK|1|P|2.5\rMSA|ZZ|1\r')).toThrow(/MSA-1/);
  });
});

describe('deriveControlId', () => {
  it('keeps short ids and hashes long ones to a stable 20-character id', () => {
    expect(deriveControlId('TX-0001')).toBe('TX-0001');
    const uuid = 'fad1343e-496f-11ed-b878-0242ac120002';
    const id = deriveControlId(uuid);
    expect(id).toMatch(/^[A-Z2-7]{20}$/);
    expect(deriveControlId(uuid)).toBe(id);
    expect(deriveControlId('fad1343e-496f-11ed-b878-0242ac120003')).not.toBe(id);
  });
});

import { createHash } from 'node:crypto';
import { Hl7Message } from '@medplum/core';
import { describe, expect, it } from 'vitest';
import { sampleInput } from '../../../hl7/test-helpers/sample-input.js';
import { EHR_FORMATS, ehrJsonDocumentSchema, parseHprim, readHprimDocument, renderForEhr } from './index.js';

const NOW = new Date('2024-05-03T12:00:00Z');
const input = sampleInput();

describe('renderForEhr', () => {
  it('renders every format with names stable per transaction', () => {
    const names = EHR_FORMATS.map((f) => renderForEhr(f, input, { now: NOW }).main.name);
    expect(names).toEqual(['TX-0001.hl7', 'TX-0001.hl7', 'TX-0001.HPR', 'TX-0001.json']);
  });

  it('hl7-oru: bytes in the MSH-18 charset, parseable, document intact', () => {
    const r = renderForEhr('hl7-oru', input, { now: NOW, hl7: { charset: 'ISO-8859-1' } });
    expect(r.charset).toBe('ISO-8859-1');
    expect(r.mediaType).toBe('application/hl7-v2; charset=ISO-8859-1');
    const msg = Hl7Message.parse(r.main.bytes.toString('latin1'));
    expect(msg.getSegment('MSH')?.getField(18).toString()).toBe('8859/1');
    const b64 = msg.getAllSegments('OBX')[0]?.getComponent(5, 5) ?? '';
    expect(Buffer.from(b64, 'base64').equals(input.document.data)).toBe(true);
  });

  it('hl7-mdm renders an MDM^T02', () => {
    const r = renderForEhr('hl7-mdm', input, { now: NOW });
    expect(r.main.bytes.toString('utf8')).toContain('|MDM^T02^MDM_T02|TX-0001|');
  });

  it('hprim: .HPR plus the document as an attachment referenced by the FIC OBX', () => {
    const r = renderForEhr('hprim', input, { now: NOW });
    expect(r.attachments.map((a) => a.name)).toEqual(['TX-0001.PDF']);
    expect(r.attachments[0]?.bytes.equals(input.document.data)).toBe(true);
    expect(readHprimDocument(parseHprim(r.main.bytes.toString('latin1'))).documentFile).toBe('TX-0001.PDF');
  });

  it('json: valid against the published schema, data and checksum exact', () => {
    const r = renderForEhr('json', input, { now: NOW });
    const doc = ehrJsonDocumentSchema.parse(JSON.parse(r.main.bytes.toString('utf8')));
    expect(doc.transactionId).toBe('TX-0001');
    expect(doc.patient).toMatchObject({ family: "D'Alem|bert^Le~Rond\\&Fils", given: ['Jean', 'Baptiste\x0bX\x1cY\rZ'], birthDate: '1975-03-09', gender: 'female' });
    expect(doc.patient.identifiers[0]).toEqual({ system: 'urn:oid:1.2.250.1.71.1.2.2', value: 'IPP123456', type: 'PI', assigner: 'CHU-TEST' });
    expect(doc.encounter).toMatchObject({ class: 'IMP', identifiers: [{ value: 'VN-2024-42' }] });
    expect(doc.document).toMatchObject({ type: { system: 'http://loinc.org', code: '11488-4' }, contentType: 'application/pdf', author: { rpps: '10001234567' } });
    const data = Buffer.from(doc.document.data, 'base64');
    expect(data.equals(input.document.data)).toBe(true);
    expect(doc.document.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(doc.document.size).toBe(data.length);
  });

  it('json schema rejects a document without data or with a bad RPPS', () => {
    const doc = JSON.parse(renderForEhr('json', input, { now: NOW }).main.bytes.toString('utf8'));
    expect(ehrJsonDocumentSchema.safeParse({ ...doc, document: { ...doc.document, data: 'not base64!' } }).success).toBe(false);
    expect(ehrJsonDocumentSchema.safeParse({ ...doc, document: { ...doc.document, author: { rpps: '123' } } }).success).toBe(false);
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FhirError } from './fhir-error.js';
import { parseSendToEhrParameters } from './send-to-ehr-params.js';

const PDF = Buffer.from('%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n', 'latin1');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46]);
const MAX = 1024;

const body = (params: unknown[]) => ({ resourceType: 'Parameters', parameter: params });
const subject = { name: 'subject', valueReference: { reference: 'Patient/p1' } };
const payload = (b: Buffer | string) => ({ name: 'payload', valueString: typeof b === 'string' ? b : b.toString('base64') });

function fails(params: unknown, status: number, text: RegExp): void {
  try {
    parseSendToEhrParameters(params, { maxPayloadBytes: MAX });
  } catch (e) {
    expect(e).toBeInstanceOf(FhirError);
    expect((e as FhirError).status).toBe(status);
    expect((e as FhirError).outcome.issue?.[0]?.diagnostics).toMatch(text);
    return;
  }
  throw new Error('expected a FhirError');
}

describe('$send-to-ehr Parameters', () => {
  it('reads the seed example and applies the defaults', () => {
    const r = parseSendToEhrParameters(body([subject, { name: 'context', valueReference: { reference: 'Encounter/e1' } }, payload(PDF)]), { maxPayloadBytes: MAX });
    expect(r).toMatchObject({ patientId: 'p1', encounterId: 'e1', contentType: 'application/pdf', loinc: '11488-4', size: PDF.length });
    expect(r.title).toBeUndefined();
    expect(Buffer.from(r.payloadBase64.toString('latin1'), 'base64').equals(PDF)).toBe(true);
  });

  it('accepts the value[x] variants a FHIR client may send', () => {
    const r = parseSendToEhrParameters(
      body([
        { name: 'subject', valueReference: { reference: 'https://api.lifen.fr/fhir/v3/Patient/p1' } },
        { name: 'document-type', valueCoding: { system: 'http://loinc.org', code: '18842-5' } },
        { name: 'content-type', valueCode: 'image/png' },
        { name: 'sender-identifier', valueIdentifier: { system: 'urn:oid:1.2.250.1.71.4.2.1', value: '10101010101' } },
        { name: 'document-title', valueString: 'CR | ^~\\& \x0B\x1C\r' },
        { name: 'payload', valueBase64Binary: PNG.toString('base64').replace(/(.{4})/g, '$1\n') },
        { name: 'x-unknown', valueString: 'ignored' },
      ]),
      { maxPayloadBytes: MAX },
    );
    expect(r).toMatchObject({ patientId: 'p1', loinc: '18842-5', contentType: 'image/png', senderRpps: '10101010101', title: 'CR | ^~\\& \x0B\x1C\r', size: PNG.length });
    const cc = parseSendToEhrParameters(body([subject, { name: 'document-type', valueCodeableConcept: { coding: [{ system: 'http://loinc.org', code: '11506-3' }] } }, { name: 'content-type', valueString: 'image/jpeg' }, payload(JPEG)]), { maxPayloadBytes: MAX });
    expect(cc.loinc).toBe('11506-3');
    expect(parseSendToEhrParameters(body([subject, { name: 'content-type', valueCode: 'application/txt' }, payload(Buffer.from('hello'))]), { maxPayloadBytes: MAX }).contentType).toBe('application/txt');
  });

  it('400 for what is not a Parameters resource', () => {
    fails({ resourceType: 'Patient' }, 400, /Parameters/);
    fails([1, 2], 400, /Parameters/);
    fails({ resourceType: 'Parameters', parameter: {} }, 400, /array/);
    fails({ resourceType: 'Parameters', parameter: [{ valueString: 'x' }] }, 400, /name/);
  });

  it('413 above the decoded limit, 422 for every invalid content', () => {
    const big = Buffer.concat([PDF, Buffer.alloc(MAX)]);
    fails(body([subject, payload(big)]), 413, /limit/);
    fails(body([payload(PDF)]), 422, /subject/);
    fails(body([{ name: 'subject', valueReference: { reference: 'Encounter/e1' } }, payload(PDF)]), 422, /Patient\/\{id\}/);
    fails(body([subject]), 422, /payload/);
    fails(body([subject, payload('not base64!')]), 422, /base64/);
    fails(body([subject, payload('QUJD=')]), 422, /base64/);
    fails(body([subject, payload('')]), 422, /empty/);
    fails(body([subject, { name: 'content-type', valueCode: 'application/zip' }, payload(PDF)]), 422, /allowed values/);
    fails(body([subject, payload(PNG)]), 422, /not a PDF/);
    fails(body([subject, { name: 'content-type', valueCode: 'image/png' }, payload(JPEG)]), 422, /not a PNG/);
    fails(body([subject, { name: 'content-type', valueCode: 'image/jpeg' }, payload(PDF)]), 422, /not a JPEG/);
    fails(body([subject, { name: 'content-type', valueCode: 'application/txt' }, payload(PDF)]), 422, /binary/);
    fails(body([subject, { name: 'sender-identifier', valueString: '1234' }, payload(PDF)]), 422, /RPPS/);
    fails(body([subject, { name: 'sender-identifier', valueString: '1234567891A' }, payload(PDF)]), 422, /RPPS/);
    fails(body([subject, { name: 'document-type', valueCode: 'consult' }, payload(PDF)]), 422, /LOINC/);
    fails(body([subject, { name: 'document-type', valueCoding: { system: 'http://snomed.info/sct', code: '371530004' } }, payload(PDF)]), 422, /loinc/);
    fails(body([subject, subject, payload(PDF)]), 422, /more than once/);
  });

  it('never puts the payload in an error message', () => {
    const secret = Buffer.from('%PDF-1.4 SECRET-PATIENT-DATA');
    try {
      parseSendToEhrParameters(body([subject, { name: 'sender-identifier', valueString: 'bad' }, payload(secret)]), { maxPayloadBytes: MAX });
    } catch (e) {
      expect(JSON.stringify((e as FhirError).outcome)).not.toContain(secret.toString('base64'));
    }
  });
});

describe('payload base64 checks on large payloads', () => {
  // A real PDF ends with %%EOF in its last 1024 bytes (payload-check.ts).
  const big = Buffer.concat([PDF, Buffer.alloc(3 * 1024 * 1024 + 5, 0xfe), Buffer.from('\n%%EOF\n')]);
  const b64 = big.toString('base64');
  const parse = (payloadText: string) => parseSendToEhrParameters(body([subject, payload(payloadText)]), { maxPayloadBytes: 10 * 1024 * 1024 });

  it('accepts several MB, wrapped or not, and hashes the bytes', () => {
    const r = parse(b64);
    expect(r.size).toBe(big.length);
    expect(r.sha256).toBe(createHash('sha256').update(big).digest('hex'));
    expect(parse(b64.replace(/(.{76})/g, '$1\r\n')).sha256).toBe(r.sha256);
  });

  it('finds one bad character anywhere: URL-safe alphabet, stray padding, non-ASCII', () => {
    const at = (i: number, c: string) => b64.slice(0, i) + c + b64.slice(i + 1);
    for (const i of [10, 1024 * 1024 + 3, b64.length - 5]) {
      expect(() => parse(at(i, '-'))).toThrow(/base64/);
      expect(() => parse(at(i, '_'))).toThrow(/base64/);
      expect(() => parse(at(i, '='))).toThrow(/base64/);
      expect(() => parse(at(i, '*'))).toThrow(/base64/);
    }
    expect(() => parse(b64.slice(0, -4) + 'QQ=A')).toThrow(/base64/);
  });
});

import { describe, expect, it } from 'vitest';
import { sampleInput } from '../hl7/test-helpers/sample-input.js';
import { EHR_FORMATS, renderForEhr } from '../partners/ehr/formats/index.js';
import { messagePreview } from '../flows/send-to-ehr/message-preview.js';
import { redactPreview } from './redact-preview.js';

/**
 * Issue 6, item 9: once its retention is over, a delivered message's preview keeps what was
 * sent, how and when, but nothing about who. Checked on the real renderers of every format,
 * with a patient that has every kind of identifier the formats carry.
 */
const input = sampleInput({
  patient: {
    resourceType: 'Patient',
    id: 'p1',
    identifier: [
      { system: 'urn:oid:1.2.250.1.71.1.2.2', value: 'IPP123456', type: { coding: [{ code: 'PI' }] }, assigner: { display: 'CHU-TEST' } },
      { system: 'urn:oid:1.2.250.1.213.1.4.8', value: '280017512345678' },
      { system: 'http://hl7.org/fhir/sid/us-ssn', value: '999-12-3456' },
    ],
    name: [{ use: 'official', family: 'Dubreuil', given: ['Ambroise'] }],
    birthDate: '1975-03-09',
    gender: 'female',
    telecom: [{ system: 'phone', value: '0601020304' }],
    address: [{ line: ['12 rue des Lilas'], city: 'Quimperle', postalCode: '29300' }],
  },
});
input.document.title = 'Dubreuil_Ambroise_19750309_11488-4';

const IDENTIFYING = ['Dubreuil', 'Ambroise', '1975', '19750309', 'IPP123456', '280017512345678', '999-12-3456', '0601020304', 'Lilas', 'Quimperle', '29300'];

describe.each(EHR_FORMATS)('identifier-free preview (%s)', (format) => {
  const rendered = renderForEhr(format, input, { now: new Date('2024-05-03T10:15:30Z'), timeZone: 'Europe/Paris' });
  const preview = messagePreview(rendered.main.bytes, rendered.charset === 'UTF-8' ? 'utf8' : 'latin1');

  it('removes every identifier of the patient and keeps what was sent', () => {
    // The test means something only if the preview carried them before.
    expect(IDENTIFYING.filter((v) => preview.includes(v)).length).toBeGreaterThanOrEqual(5);
    const redacted = redactPreview(preview, format);
    for (const v of IDENTIFYING) expect(redacted, v).not.toContain(v);
    expect(redacted).toContain('TX-0001');
    expect(redacted).toContain('11488-4');
    if (format !== 'json') expect(redacted.split(/\r\n|\r|\n/)[0]).toBe(preview.split(/\r\n|\r|\n/)[0]);
    // Idempotent: applying it again changes nothing.
    expect(redactPreview(redacted, format)).toBe(redacted);
  });
});

describe('identifier-free preview of anything else', () => {
  it('elides unknown segments and lines that are not segments, and drops a JSON preview cut at the size limit', () => {
    expect(redactPreview('MSH|^~\\&|A\rZPI|1|Secret Name|x\rnot a segment Secret', 'hl7-oru')).toBe('MSH|^~\\&|A\rZPI|1|***|***\r***');
    expect(redactPreview('{"patient": {"family": "Secret"', 'json')).not.toContain('Secret');
  });
});

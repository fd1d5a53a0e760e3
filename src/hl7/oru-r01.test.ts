import { Hl7Message } from '@medplum/core';
import { describe, expect, it } from 'vitest';
import { encodeText } from './charset.js';
import { unescapeHl7, type Hl7Delimiters } from './escape.js';
import { buildMdmT02 } from './mdm-t02.js';
import { buildOruR01 } from './oru-r01.js';
import { sampleInput, samplePdf } from './test-helpers/sample-input.js';

const NOW = new Date('2024-05-03T12:00:00Z');
const u = (v: string): string => unescapeHl7(v);

describe('buildOruR01', () => {
  const input = sampleInput({ document: { ...sampleInput().document, data: samplePdf(200_000) } });
  const text = buildOruR01(input, { now: NOW });
  const msg = Hl7Message.parse(text);

  it('is CR-separated, ends with CR, and carries no raw LF or framing byte', () => {
    expect(text.endsWith('\r')).toBe(true);
    expect(text).not.toMatch(/[\n\x0b\x1c]/);
    // Every segment ends with CR, so a splitting parser sees an empty tail after the last one.
    expect(msg.segments.map((s) => s.name).filter(Boolean)).toEqual(['MSH', 'PID', 'PV1', 'ORC', 'OBR', 'OBX', 'OBX']);
  });

  it('writes the MSH fields', () => {
    const msh = msg.getSegment('MSH');
    expect(msh?.getField(9).toString()).toBe('ORU^R01^ORU_R01');
    expect(msh?.getField(10).toString()).toBe('TX-0001');
    expect(msh?.getField(11).toString()).toBe('P');
    expect(msh?.getField(12).toString()).toBe('2.5');
    expect(msh?.getField(18).toString()).toBe('UNICODE UTF-8');
    expect(msh?.getField(7).toString()).toBe('20240503140000+0200');
    expect([3, 4, 5, 6].map((i) => msh?.getField(i).toString())).toEqual(['EHR-BRIDGE', 'CLINIQUE', 'DPI', 'CHU-TEST']);
    expect(buildOruR01(input, { now: NOW, charset: 'ISO-8859-1' })).toContain('|8859/1\r');
  });

  it('writes PID-3 with assigning authorities, PID-5 official name first, PID-7, PID-8', () => {
    const pid = msg.getSegment('PID');
    expect(pid?.getField(3).toString()).toBe(
      'IPP123456^^^CHU-TEST&1.2.250.1.71.1.2.2&ISO^PI~280017512345678^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO^INS',
    );
    expect(u(pid?.getComponent(5, 1) ?? '')).toBe("D'Alem|bert^Le~Rond\\&Fils");
    expect(u(pid?.getComponent(5, 2) ?? '')).toBe('Jean');
    expect(u(pid?.getComponent(5, 3) ?? '')).toBe('Baptiste\x0bX\x1cY\rZ');
    expect(pid?.getComponent(5, 7)).toBe('L');
    expect(u(pid?.getComponent(5, 1, undefined, 1) ?? '')).toBe('Martin');
    expect(pid?.getField(7).toString()).toBe('19750309');
    expect(pid?.getField(8).toString()).toBe('F');
  });

  it('maps FHIR gender to PID-8', () => {
    const sex = (gender: 'male' | 'female' | 'other' | 'unknown' | undefined): string | undefined => {
      const p = { ...input.patient, gender };
      return Hl7Message.parse(buildOruR01({ ...input, patient: p }, { now: NOW })).getSegment('PID')?.getField(8).toString();
    };
    expect([sex('male'), sex('female'), sex('other'), sex('unknown'), sex(undefined)]).toEqual(['M', 'F', 'O', 'U', 'U']);
  });

  it('writes PV1-2 patient class and PV1-19 visit number', () => {
    const pv1 = msg.getSegment('PV1');
    expect(pv1?.getField(2).toString()).toBe('I');
    expect(pv1?.getField(19).toString()).toBe('VN-2024-42^^^CHU-TEST&1.2.250.1.71.1.2.3&ISO^VN');
    expect(pv1?.getField(44).toString()).toBe('20240502083000+0200');
    const noEnc = Hl7Message.parse(buildOruR01({ ...input, encounter: undefined }, { now: NOW }));
    expect(noEnc.getSegment('PV1')?.toString()).toBe('PV1|1|N');
  });

  it('writes OBR-4 LOINC, OBR-7 date, the RPPS author in OBR-16 and OBR-32, OBR-25 F', () => {
    const obr = msg.getSegment('OBR');
    expect(obr?.getField(4).toString()).toBe('11488-4^Consult note^LN');
    expect(obr?.getField(7).toString()).toBe('20240503121530+0200');
    expect(obr?.getField(16).toString()).toBe('810001234567^House^Greg^^^^^^ASIP-SANTE-PS&1.2.250.1.71.4.2.1&ISO^D^^^RPPS');
    expect(obr?.getField(32).toString()).toBe('810001234567&House&Greg&&&&&&ASIP-SANTE-PS&1.2.250.1.71.4.2.1&ISO');
    expect(obr?.getField(25).toString()).toBe('F');
    const only16 = Hl7Message.parse(buildOruR01(input, { now: NOW, authorFields: ['OBR-16'] })).getSegment('OBR');
    expect(only16?.getField(32)?.toString() ?? '').toBe('');
  });

  it('OBX-5 base64 decodes back to exactly the input bytes, with no line breaks', () => {
    const obx = msg.getAllSegments('OBX')[0];
    expect(obx?.getField(2).toString()).toBe('ED');
    expect(obx?.getField(3).toString()).toBe('11488-4^Consult note^LN');
    expect([2, 3, 4].map((c) => obx?.getComponent(5, c))).toEqual(['AP', 'PDF', 'Base64']);
    const b64 = obx?.getComponent(5, 5) ?? '';
    expect(b64).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(Buffer.from(b64, 'base64').equals(input.document.data)).toBe(true);
    expect(obx?.getField(11).toString()).toBe('F');
    expect(obx?.getField(14).toString()).toBe('20240503121530+0200');
  });

  it('the title OBX round-trips delimiters, framing bytes and CR/LF', () => {
    const title = msg.getAllSegments('OBX')[1];
    expect(title?.getField(2).toString()).toBe('TX');
    expect(u(title?.getField(5).toString() ?? '')).toBe(input.document.title);
    expect(buildOruR01(input, { now: NOW, titleObx: false })).not.toContain('OBX|2|');
  });

  it('writes image and text documents with the v2.5 (or MIME) ED type', () => {
    const ed = (contentType: 'image/jpeg' | 'image/png' | 'application/txt', style?: 'mime'): string => {
      const m = Hl7Message.parse(buildOruR01({ ...input, document: { ...input.document, contentType } }, { now: NOW, edStyle: style }));
      const obx = m.getAllSegments('OBX')[0];
      return [2, 3, 4].map((c) => obx?.getComponent(5, c)).join('^');
    };
    expect(ed('image/jpeg')).toBe('IM^JPEG^Base64');
    expect(ed('image/png')).toBe('IM^PNG^Base64');
    expect(ed('application/txt')).toBe('TX^^Base64');
    expect(ed('image/png', 'mime')).toBe('image^png^Base64');
  });

  it('honours custom delimiters end to end', () => {
    const d: Hl7Delimiters = { field: '!', component: '@', repetition: '*', escape: '%', subcomponent: '$' };
    const custom = Hl7Message.parse(buildOruR01(input, { now: NOW, delimiters: d }));
    expect(custom.getSegment('MSH')?.getField(10).toString()).toBe('TX-0001');
    expect(unescapeHl7(custom.getSegment('PID')?.getComponent(5, 1) ?? '', d)).toBe("D'Alem|bert^Le~Rond\\&Fils");
    const b64 = custom.getAllSegments('OBX')[0]?.getComponent(5, 5) ?? '';
    expect(Buffer.from(b64, 'base64').equals(input.document.data)).toBe(true);
  });

  it('encodes to ISO-8859-1 with the chosen unmappable policy', () => {
    const withOe = sampleInput({ patient: { ...input.patient, name: [{ family: 'Lœw', given: ['Zoé'] }] } });
    const latin = buildOruR01(withOe, { now: NOW, charset: 'ISO-8859-1' });
    expect(() => encodeText(latin, 'ISO-8859-1', { onUnmappable: 'error' })).toThrow(/U\+0153/);
    const bytes = encodeText(latin, 'ISO-8859-1', { onUnmappable: 'substitute' });
    expect(bytes.toString('latin1')).toContain('PID|1||');
    expect(bytes.toString('latin1')).toContain('Loew^Zoé');
  });
});

describe('buildMdmT02', () => {
  const input = sampleInput({ document: { ...sampleInput().document, id: 'DOC-77' } });
  const msg = Hl7Message.parse(buildMdmT02(input, { now: NOW }));

  it('has MSH, EVN, PID, PV1, TXA, OBX with TXA-12 the unique document id', () => {
    expect(msg.segments.map((s) => s.name).filter(Boolean)).toEqual(['MSH', 'EVN', 'PID', 'PV1', 'TXA', 'OBX']);
    expect(msg.getSegment('MSH')?.getField(9).toString()).toBe('MDM^T02^MDM_T02');
    expect(msg.getSegment('EVN')?.getField(1).toString()).toBe('T02');
    const txa = msg.getSegment('TXA');
    expect(txa?.getField(2).toString()).toBe('11488-4');
    expect(txa?.getField(3).toString()).toBe('AP');
    expect(txa?.getField(12).toString()).toBe('DOC-77^EHR-BRIDGE');
    expect(txa?.getField(17).toString()).toBe('AU');
    expect(txa?.getComponent(9, 1)).toBe('810001234567');
    const b64 = msg.getSegment('OBX')?.getComponent(5, 5) ?? '';
    expect(Buffer.from(b64, 'base64').equals(input.document.data)).toBe(true);
  });
});

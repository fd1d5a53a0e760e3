import { describe, expect, it } from 'vitest';
import { sampleInput } from '../../../hl7/test-helpers/sample-input.js';
import { HPRIM_MAX_LINE, buildHprim, hprimFileNames, parseHprim, readHprimDocument } from './hprim.js';

const NOW = new Date('2024-05-03T12:00:00Z');

describe('buildHprim', () => {
  const input = sampleInput();
  const files = buildHprim(input, { now: NOW });
  const lines = files.hpr.toString('latin1').split('\r');

  it('writes H, P, OBR, OBX FIC, OBX title, L with CR line ends in ISO-8859-1', () => {
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe('H|~^\\&|TX-0001.HPR||EHR-BRIDGE~CLINIQUE||ORU|||DPI~CHU-TEST||P|H2.4~C|202405031400');
    expect(lines.map((l) => l.split('|')[0])).toEqual(['H', 'P', 'OBR', 'OBX', 'OBX', 'L']);
    expect(lines.find((l) => l.startsWith('OBX|1|'))).toBe('OBX|1|FIC|11488-4~Consult note~LN||TX-0001.PDF~PDF||||||F|||202405031215');
    expect(lines.at(-1)).toBe('L|1||1|6');
    // é of "Consentement à" is one Latin-1 byte
    expect(files.hpr.includes(Buffer.from([0xe0]))).toBe(true);
    expect(files.hpr.includes(Buffer.from('Ã', 'utf8'))).toBe(false);
  });

  it('writes P with id, visit, surname~first name (official name), birth date, sex', () => {
    const p = lines[1]?.split('|') ?? [];
    expect(p[2]).toBe('IPP123456');
    expect(p[3]).toBe('VN-2024-42');
    expect(p[5]).toBe("D'Alem\\F\\bert\\R\\Le\\S\\Rond\\E\\\\T\\Fils~Jean Baptiste\\X0B\\X\\X1C\\Y Z");
    expect(p[7]).toBe('19750309');
    expect(p[8]).toBe('F');
  });

  it('names files after the transaction only (stable on redelivery)', () => {
    expect(hprimFileNames('fad1343e/496f:11ed', 'image/jpeg')).toEqual({
      base: 'fad1343e_496f_11ed', hpr: 'fad1343e_496f_11ed.HPR', document: 'fad1343e_496f_11ed.JPG',
    });
    const again = buildHprim(input, { now: NOW });
    expect([again.hprFileName, again.documentFileName]).toEqual([files.hprFileName, files.documentFileName]);
    expect(again.document.equals(input.document.data)).toBe(true);
  });

  it('continues lines over 220 characters on A records, and the parser joins them back', () => {
    const longTitle = 'Compte rendu '.repeat(60) + 'fin|^~&';
    const long = buildHprim({ ...input, document: { ...input.document, title: longTitle } }, { now: NOW });
    const physical = long.hprText.split('\r').filter(Boolean);
    expect(Math.max(...physical.map((l) => l.length))).toBeLessThanOrEqual(HPRIM_MAX_LINE);
    expect(physical.filter((l) => l.startsWith('A|')).length).toBeGreaterThanOrEqual(3);
    expect(physical.at(-1)).toBe(`L|1||1|${physical.length}`);
    const summary = readHprimDocument(parseHprim(long.hpr.toString('latin1')));
    expect(summary.title).toBe(longTitle);
  });

  it('round-trips through the parser, with CRLF too', () => {
    const crlf = buildHprim(input, { now: NOW, lineEnding: '\r\n' });
    const summary = readHprimDocument(parseHprim(crlf.hpr.toString('latin1')));
    expect(summary).toEqual({
      fileName: 'TX-0001.HPR',
      patient: { id: 'IPP123456', visit: 'VN-2024-42', family: "D'Alem|bert^Le~Rond\\&Fils", given: 'Jean Baptiste\x0bX\x1cY Z', birthDate: '19750309', sex: 'F' },
      documentType: { code: '11488-4', label: 'Consult note', system: 'LN' },
      documentFile: 'TX-0001.PDF',
      title: "Consentement à l'intervention | A^B~C\\D&E \x0b\x1c fin",
    });
  });

  it('substitutes characters outside Latin-1 by default, or refuses them', () => {
    const oe = { ...input, patient: { ...input.patient, name: [{ use: 'official' as const, family: 'Lœw', given: ['Zoé'] }] } };
    expect(buildHprim(oe, { now: NOW }).hpr.toString('latin1')).toContain('|Loew~Zoé|');
    expect(() => buildHprim(oe, { now: NOW, onUnmappable: 'error' })).toThrow(/U\+0153/);
    expect(buildHprim(oe, { now: NOW, charset: 'UTF-8' }).hpr.toString('utf8')).toContain('|Lœw~Zoé|');
  });
});

import type { DocumentMessageInput } from '../document-input.js';

/** A small but real PDF header + random-looking body, so byte-exact checks mean something. */
export function samplePdf(size = 4096): Buffer {
  const head = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1');
  const body = Buffer.alloc(Math.max(0, size - head.length));
  for (let i = 0; i < body.length; i++) body[i] = (i * 131 + 7) & 0xff; // every byte value occurs
  return Buffer.concat([head, body]);
}

/** A document input whose names and title carry every delimiter and the MLLP framing bytes. */
export function sampleInput(overrides: Partial<DocumentMessageInput> = {}): DocumentMessageInput {
  return {
    controlId: 'TX-0001',
    patient: {
      resourceType: 'Patient',
      id: 'p1',
      identifier: [
        { system: 'urn:oid:1.2.250.1.71.1.2.2', value: 'IPP123456', type: { coding: [{ code: 'PI' }] }, assigner: { display: 'CHU-TEST' } },
        { system: 'urn:oid:1.2.250.1.213.1.4.8', value: '280017512345678' },
      ],
      name: [
        { use: 'usual', family: 'Martin', given: ['Zoé'] },
        { use: 'official', family: "D'Alem|bert^Le~Rond\\&Fils", given: ['Jean', 'Baptiste\x0bX\x1cY\rZ'] },
      ],
      birthDate: '1975-03-09',
      gender: 'female',
    },
    encounter: {
      resourceType: 'Encounter',
      id: 'e1',
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      identifier: [{ system: 'urn:oid:1.2.250.1.71.1.2.3', value: 'VN-2024-42', assigner: { display: 'CHU-TEST' } }],
      period: { start: '2024-05-02T08:30:00+02:00' },
    },
    document: {
      contentType: 'application/pdf',
      loinc: '11488-4',
      loincDisplay: 'Consult note',
      title: 'Consentement à l\'intervention | A^B~C\\D&E \x0b\x1c\r\nfin',
      date: new Date('2024-05-03T10:15:30Z'),
      data: samplePdf(),
    },
    author: { rpps: '10001234567', family: 'House', given: 'Greg' },
    sender: { application: 'EHR-BRIDGE', facility: 'CLINIQUE' },
    receiver: { application: 'DPI', facility: 'CHU-TEST' },
    ...overrides,
  };
}

import { Hl7Message } from '@medplum/core';
import { describe, expect, it } from 'vitest';
import { parseAck } from '../../hl7/ack.js';
import { IDENTIFIER_SYSTEMS } from '../../domain/identifiers.js';
import { buildInboundAck, parseInbound, type InboundResult } from './inbound.js';

/** Messages built here so each test shows the bytes it is about. Segments joined with CR unless said. */
const MSH = (type: string, opts: { version?: string; msh18?: string; control?: string } = {}): string =>
  `MSH|^~\\&|EMR|CLINIC|BRIDGE|HQ|20240102030405+0100||${type}|${opts.control ?? 'CTRL1'}|P|${opts.version ?? '2.5.1'}||||||${opts.msh18 ?? ''}`;
const PID = 'PID|1||P-100^^^CLINIC^MR||Doe^Jane^Q||19800131|F|||1 Main St^^Springfield^IL^62701^US^H||^PRN^PH^^1^217^5550100~^NET^Internet^jane@example.org';
const utf8 = (...segments: string[]): Buffer => Buffer.from(segments.join('\r'), 'utf8');
/** A segment with values at HL7 field numbers: seg('AIG', { 3: 'R1', 8: '2024...' }). */
const seg = (name: string, fields: Record<number, string>): string => {
  const last = Math.max(...Object.keys(fields).map(Number));
  return [name, ...Array.from({ length: last }, (_, i) => fields[i + 1] ?? '')].join('|');
};

function accepted(result: InboundResult): Extract<InboundResult, { kind: 'accepted' }> {
  if (result.kind !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(result)}`);
  return result;
}
function rejected(result: InboundResult): Extract<InboundResult, { kind: 'rejected' }> {
  if (result.kind !== 'rejected') throw new Error(`expected rejected, got ${JSON.stringify(result)}`);
  return result;
}
function firstPatient(result: InboundResult) {
  const ev = accepted(result).events[0];
  if (ev?.type !== 'patient-upsert') throw new Error('expected a patient-upsert');
  return ev.patient;
}

describe('a small ADT^A08, field by field', () => {
  it('maps PID-3/5/7/8/11/13 (phone from components, e-mail from NET/Internet)', () => {
    const r = accepted(parseInbound(utf8(MSH('ADT^A08^ADT_A01'), 'EVN|A08|20240102030405', PID, 'PV1|1|O|CLIN1^R2^^MAIN')));
    expect(r.events).toEqual([
      {
        type: 'patient-upsert',
        emrPatientId: 'P-100',
        emrLocation: { pointOfCare: 'CLIN1', room: 'R2', facility: 'MAIN' },
        patient: {
          resourceType: 'Patient',
          identifier: [{ system: IDENTIFIER_SYSTEMS.emr, value: 'P-100', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, assigner: { display: 'CLINIC' } }],
          name: [{ family: 'Doe', given: ['Jane', 'Q'] }],
          telecom: [
            { system: 'phone', value: '+1 217 5550100', use: 'home' },
            { system: 'email', value: 'jane@example.org', use: 'home' },
          ],
          gender: 'female',
          birthDate: '1980-01-31',
          address: [{ use: 'home', line: ['1 Main St'], city: 'Springfield', state: 'IL', postalCode: '62701', country: 'US' }],
        },
      },
    ]);
    expect(r.warnings).toBeUndefined();
  });

  it('table 0001 to FHIR gender, and an unknown code leaves gender out with a warning', () => {
    const sexes = { F: 'female', M: 'male', O: 'other', U: 'unknown', A: 'other', N: 'other' } as const;
    for (const [code, gender] of Object.entries(sexes)) {
      const p = firstPatient(parseInbound(utf8(MSH('ADT^A08'), `PID|1||P1^^^^MR||Doe^J||19800101|${code}`)));
      expect(p.gender, code).toBe(gender);
    }
    const r = accepted(parseInbound(utf8(MSH('ADT^A08'), 'PID|1||P1^^^^MR||Doe^J||19800101|X')));
    expect(firstPatient(r).gender).toBeUndefined();
    expect(r.warnings).toEqual(['PID-8 (administrative sex) holds a code outside HL7 table 0001: gender left out']);
  });

  it('decodes escapes in values: \\F\\ \\S\\ \\T\\ \\R\\ \\E\\ and \\Xhh\\ in the message charset', () => {
    const p = firstPatient(parseInbound(utf8(MSH('ADT^A08'), 'PID|1||P1^^^^MR||O\\S\\Brien\\T\\Co\\F\\x\\R\\y\\E\\^Zo\\XC3A9\\')));
    expect(p.name).toEqual([{ family: 'O^Brien&Co|x~y\\', given: ['Zoé'] }]);
    const latin = Buffer.from(`${MSH('ADT^A08', { msh18: '8859/1' })}\rPID|1||P1^^^^MR||M\\XFC\\ller^Zo\\XE9\\`, 'latin1');
    expect(firstPatient(parseInbound(latin)).name).toEqual([{ family: 'Müller', given: ['Zoé'] }]);
  });

  it('v2.2-style telecoms: a bare e-mail in XTN.1 is an e-mail, a bare number a phone; PID-14 is work', () => {
    const p = firstPatient(parseInbound(utf8(MSH('ADT^A08', { version: '2.2' }), 'PID|1||P1^^^^MR||Doe^Jane||||||||(217)555-0100~jane@example.org|(217)555-0199')));
    expect(p.telecom).toEqual([
      { system: 'phone', value: '(217)555-0100', use: 'home' },
      { system: 'email', value: 'jane@example.org', use: 'home' },
      { system: 'phone', value: '(217)555-0199', use: 'work' },
    ]);
  });

  it('HL7 "" (explicit null) reads as no value', () => {
    const p = firstPatient(parseInbound(utf8(MSH('ADT^A08'), 'PID|1||P1^^^^MR||Doe^Jane||""|""')));
    expect(p.birthDate).toBeUndefined();
    expect(p.gender).toBeUndefined();
  });

  it('A01, A04, A05, A08, A28, A31 are patient upserts; A03 and A11 are ignored (AA)', () => {
    for (const ev of ['A01', 'A04', 'A05', 'A08', 'A28', 'A31']) {
      expect(accepted(parseInbound(utf8(MSH(`ADT^${ev}`), PID))).events[0]?.type, ev).toBe('patient-upsert');
    }
    for (const ev of ['A03', 'A11']) {
      const raw = utf8(MSH(`ADT^${ev}`), PID);
      const r = parseInbound(raw);
      expect(r).toMatchObject({ kind: 'ignored', patientIds: ['P-100'] });
      expect(parseAck(buildInboundAck(r, raw)).ackCode).toBe('AA');
    }
  });

  it('v2.2 style: MSH-9 without the event, event read from EVN-1', () => {
    const r = accepted(parseInbound(utf8(MSH('ADT', { version: '2.2' }), 'EVN|A08|20240102', PID)));
    expect(r.header).toMatchObject({ messageType: 'ADT^A08', event: 'A08', version: '2.2' });
  });

  it('date/times without an offset are read in the configured zone (UTC by default)', () => {
    const raw = utf8(MSH('SIU^S12'), 'SCH|A1|F1', 'TQ1|1||||||202407011430|202407011500', PID);
    const at = (tz?: string) => {
      const ev = accepted(parseInbound(raw, tz ? { timeZone: tz } : {})).events[0];
      return ev?.type === 'appointment-upsert' ? [ev.appointment.start, ev.appointment.end] : [];
    };
    expect(at()).toEqual(['2024-07-01T14:30:00Z', '2024-07-01T15:00:00Z']);
    expect(at('America/Toronto')).toEqual(['2024-07-01T18:30:00Z', '2024-07-01T19:00:00Z']);
  });
});

describe('segment separators, BOM, Z-segments', () => {
  const segments = [MSH('ADT^A08'), 'EVN|A08', PID, 'ZPI|1|custom^stuff|more', 'PV1|1|O'];
  const reference = parseInbound(Buffer.from(segments.join('\r')));

  it('CR, LF and CRLF give the same result', () => {
    expect(reference.kind).toBe('accepted');
    expect(parseInbound(Buffer.from(segments.join('\n')))).toEqual(reference);
    expect(parseInbound(Buffer.from(segments.join('\r\n')))).toEqual(reference);
    expect(parseInbound(Buffer.from(segments.join('\r\n') + '\r\n'))).toEqual(reference);
  });

  it('a UTF-8 BOM before MSH is ignored', () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(segments.join('\r'))]);
    expect(parseInbound(withBom)).toEqual(reference);
  });

  it('Z-segments are ignored: same result as without', () => {
    const withoutZ = parseInbound(Buffer.from(segments.filter((s) => !s.startsWith('Z')).join('\r')));
    expect(withoutZ).toEqual(reference);
  });

  it('a raw line break inside a value: the stray line is skipped with a warning', () => {
    const r = accepted(parseInbound(utf8(MSH('ADT^A08'), PID, 'NTE|1||first line', 'second line of the note')));
    expect(r.warnings).toEqual(['1 line(s) without a segment id were skipped (a line break inside a value?)']);
  });

  it('delimiters are read from MSH-1/2, not assumed', () => {
    const raw = Buffer.from('MSH#$*!@#EMR#CLINIC#BRIDGE#HQ#20240102##ADT$A08#C9#P#2.5\rPID#1##P7$$$$MR##Roe$Ann*Poe$Bo!T!Co');
    const r = accepted(parseInbound(raw));
    expect(r.events[0]).toMatchObject({ emrPatientId: 'P7', patient: { name: [{ family: 'Roe', given: ['Ann'] }, { family: 'Poe', given: ['Bo@Co'] }] } });
    const ack = buildInboundAck(r, raw).toString('utf8');
    expect(ack.startsWith('MSH#$*!@#BRIDGE#HQ#EMR#CLINIC#')).toBe(true);
    expect(ack).toContain('\rMSA#AA#C9\r');
  });
});

describe('character sets', () => {
  const latin1 = (msh18: string) => Buffer.from(`${MSH('ADT^A08', { msh18 })}\rPID|1||P1^^^^MR||Müller^Zoé`, 'latin1');

  it('ISO-8859-1 bytes with MSH-18 8859/1', () => {
    const r = accepted(parseInbound(latin1('8859/1')));
    expect(r.header.charset).toBe('ISO-8859-1');
    expect(firstPatient(r).name).toEqual([{ family: 'Müller', given: ['Zoé'] }]);
    expect(r.warnings).toBeUndefined();
  });

  it('ISO-8859-1 bytes without MSH-18, with the listener option', () => {
    const r = accepted(parseInbound(latin1(''), { charset: 'ISO-8859-1' }));
    expect(firstPatient(r).name).toEqual([{ family: 'Müller', given: ['Zoé'] }]);
    expect(r.warnings).toBeUndefined();
  });

  it('UTF-8 with MSH-18 UNICODE UTF-8 (and a repeated MSH-18: the first repetition counts)', () => {
    const raw = Buffer.from(`${MSH('ADT^A08', { msh18: 'UNICODE UTF-8~8859/1' })}\rPID|1||P1^^^^MR||Łukasiewicz^Zoë`, 'utf8');
    expect(firstPatient(parseInbound(raw, { charset: 'ISO-8859-1' })).name).toEqual([{ family: 'Łukasiewicz', given: ['Zoë'] }]);
  });

  it('wrong-charset bytes: not valid UTF-8 -> read as ISO-8859-1, with a warning', () => {
    const r = accepted(parseInbound(latin1('')));
    expect(r.header.charset).toBe('ISO-8859-1');
    expect(firstPatient(r).name).toEqual([{ family: 'Müller', given: ['Zoé'] }]);
    expect(r.warnings).toEqual(['the bytes are not valid UTF-8: read as ISO-8859-1']);
    // Even when MSH-18 claims UTF-8.
    expect(firstPatient(parseInbound(latin1('UNICODE UTF-8'))).name).toEqual([{ family: 'Müller', given: ['Zoé'] }]);
  });

  it('bytes that are neither UTF-8 nor ISO-8859-1 text (Windows-1252 quote 0x92) -> AE 102 at MSH-18', () => {
    const raw = Buffer.concat([Buffer.from(`${MSH('ADT^A08')}\rPID|1||P1^^^^MR||O`, 'latin1'), Buffer.from([0x92]), Buffer.from('Brien^Ann')]);
    const r = rejected(parseInbound(raw));
    expect(r.ack).toBe('AE');
    expect(r.errors).toEqual([{ code: '102', codeText: 'Data type error', location: 'MSH^1^18', text: 'the bytes are not valid UTF-8 and not ISO-8859-1 text: character set unknown' }]);
  });

  it('the ACK is encoded in the message charset and echoes MSH-18', () => {
    const raw = Buffer.from('MSH|^~\\&|Éco|CLINIC|BRIDGE|HQ|20240102||ADT^A08|C1|P|2.5|||||FRA|8859/1\rPID|1||P1^^^^MR||Doe', 'latin1');
    const ack = buildInboundAck(parseInbound(raw), raw);
    expect(ack.includes(Buffer.from('|Éco|', 'latin1'))).toBe(true);
    expect(ack.toString('latin1').split('\r')[0]?.split('|')[17]).toBe('8859/1');
  });
});

describe('bad input -> AE / AR with an ERR', () => {
  it('not HL7 at all: AR, header null, and an ACK with default delimiters and an empty MSA-2', () => {
    for (const text of ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', '', '   ', '\u0000\u0001binary']) {
      const raw = Buffer.from(text);
      const r = rejected(parseInbound(raw));
      expect(r).toEqual({ kind: 'rejected', ack: 'AR', header: null, errors: [{ code: '100', codeText: 'Segment sequence error', location: 'MSH', text: 'not an HL7 v2 message: no MSH segment at the start' }] });
      const ack = parseAck(buildInboundAck(r, raw));
      expect(ack.ackCode).toBe('AR');
      expect(ack.acknowledgedControlId).toBe('');
      expect(ack.errors).toEqual([{ location: 'MSH', code: '100', codeText: 'Segment sequence error', severity: 'E', message: 'not an HL7 v2 message: no MSH segment at the start' }]);
    }
  });

  it('an MSH whose delimiters cannot be read: AR', () => {
    expect(rejected(parseInbound(Buffer.from('MSH|^^^^|A')))).toMatchObject({ ack: 'AR', header: null });
  });

  it('MSH only: AE, the PID segment is missing', () => {
    const r = rejected(parseInbound(utf8(MSH('ADT^A08'))));
    expect(r.ack).toBe('AE');
    expect(r.header?.controlId).toBe('CTRL1');
    expect(r.errors).toEqual([{ code: '100', codeText: 'Segment sequence error', location: 'PID', text: 'the PID segment (patient identification) is missing' }]);
  });

  it('no PID-3: AE 101 at PID^1^3, with no patient data in the error', () => {
    const raw = utf8(MSH('ADT^A08'), 'PID|1|||||Doe^Jane||19800131|F');
    const r = rejected(parseInbound(raw));
    expect(r).toMatchObject({ ack: 'AE', errors: [{ code: '101', codeText: 'Required field missing', location: 'PID^1^3', text: 'PID-3 (patient identifier list) is required and empty' }] });
    const ack = buildInboundAck(r, raw).toString();
    expect(ack).not.toContain('Doe');
    expect(ack).not.toContain('Jane');
    expect(ack).not.toContain('1980');
  });

  it('an impossible birth date: AE 102 at PID^1^7 (never rolled over to another day)', () => {
    for (const date of ['19800230', '19801301', '198001011260', 'yesterday']) {
      const r = rejected(parseInbound(utf8(MSH('ADT^A08'), `PID|1||P1^^^^MR||Doe^Jane||${date}|F`)));
      expect(r.errors, date).toEqual([{ code: '102', codeText: 'Data type error', location: 'PID^1^7', text: 'PID-7 (date of birth) is not a valid date/time' }]);
    }
    expect(firstPatient(parseInbound(utf8(MSH('ADT^A08'), 'PID|1||P1^^^^MR||Doe^Jane||20000229|F'))).birthDate).toBe('2000-02-29');
    // In a repeated field, the location names the repetition and the component (ERL).
    expect(rejected(parseInbound(utf8(MSH('ADT^A08'), 'PID|1||P1^^^^MR||Doe^Jane~Roe^Jane^^^^^^^^^^^20241331'))).errors).toEqual([
      { code: '102', codeText: 'Data type error', location: 'PID^1^5^2^13', text: 'PID-5.13 (name validity) is not a valid date/time' },
    ]);
  });

  it('unknown event for a known type: AR 201; unknown type: AR 200', () => {
    expect(parseInbound(utf8(MSH('ADT^A02'), PID))).toMatchObject({
      kind: 'rejected', ack: 'AR', header: { messageType: 'ADT^A02' }, errors: [{ code: '201', codeText: 'Unsupported event code', location: 'MSH^1^9' }],
    });
    expect(parseInbound(utf8(MSH('SIU^S16'), PID))).toMatchObject({ kind: 'rejected', ack: 'AR', errors: [{ code: '201' }] });
    expect(parseInbound(utf8(MSH('ORM^O01'), PID))).toMatchObject({ kind: 'rejected', ack: 'AR', errors: [{ code: '200', codeText: 'Unsupported message type' }] });
  });

  it('versions 2.9 and 2.1: AR 203 at MSH^1^12; 2.2 to 2.8 with point releases accepted', () => {
    for (const version of ['2.9', '2.1', '3.0', '']) {
      expect(parseInbound(utf8(MSH('ADT^A08', { version }), PID)), version).toMatchObject({
        kind: 'rejected', ack: 'AR', errors: [{ code: '203', codeText: 'Unsupported version id', location: 'MSH^1^12' }],
      });
    }
    for (const version of ['2.2', '2.3', '2.3.1', '2.4', '2.5', '2.5.1', '2.6', '2.7', '2.7.1', '2.8', '2.8.2']) {
      expect(parseInbound(utf8(MSH('ADT^A08', { version }), PID)).kind, version).toBe('accepted');
    }
  });

  it('no MSH-10: AE 101 at MSH^1^10', () => {
    expect(parseInbound(utf8(MSH('ADT^A08', { control: '' }), PID))).toMatchObject({ kind: 'rejected', ack: 'AE', errors: [{ code: '101', location: 'MSH^1^10' }] });
  });

  it('an inbound ACK is ignored (reason ack) and never acknowledged', () => {
    const raw = utf8(MSH('ACK^A08^ACK'), 'MSA|AA|X1');
    const r = parseInbound(raw);
    expect(r).toMatchObject({ kind: 'ignored', reason: 'ack', header: { messageType: 'ACK^A08' } });
    expect(() => buildInboundAck(r, raw)).toThrow('never acknowledged');
    // Even with a version or content we would otherwise refuse.
    expect(parseInbound(utf8(MSH('ACK', { version: '2.9' }), 'MSA|AE|X1'))).toMatchObject({ kind: 'ignored', reason: 'ack' });
  });
});

describe('PID-3 repetitions: the configured type is the EMR id', () => {
  const raw = utf8(MSH('ADT^A08'), 'PID|1||123-45-6789^^^SSA^SS~MRN-9^^^HOSP^MR||Doe^Jane');

  it('SS first and MR second: MR is the EMR id (default type), listed first', () => {
    const r = accepted(parseInbound(raw));
    expect(r.patientIds).toEqual(['MRN-9']);
    expect(firstPatient(r).identifier?.map((i) => [i.system, i.value])).toEqual([
      [IDENTIFIER_SYSTEMS.emr, 'MRN-9'],
      [undefined, '123-45-6789'],
    ]);
  });

  it('emrIdType option picks another type; no repetition of that type -> the first', () => {
    expect(accepted(parseInbound(raw, { emrIdType: 'SS' })).patientIds).toEqual(['123-45-6789']);
    expect(accepted(parseInbound(raw, { emrIdType: 'PI' })).patientIds).toEqual(['123-45-6789']);
  });

  it('an assigning authority with an ISO OID becomes the system of the other identifiers', () => {
    const p = firstPatient(parseInbound(utf8(MSH('ADT^A08'), 'PID|1||M1^^^H^MR~1234^^^NHS&2.16.840.1.113883.2.1.4.1&ISO^NH||Doe')));
    expect(p.identifier?.[1]).toEqual({ system: 'urn:oid:2.16.840.1.113883.2.1.4.1', value: '1234', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NH' }] }, assigner: { display: 'NHS' } });
  });
});

describe('A40 merges', () => {
  it('several PID/MRG pairs -> one merge event each, in order', () => {
    const r = accepted(
      parseInbound(
        utf8(MSH('ADT^A40^ADT_A39'), 'EVN|A40|20240102', 'PID|1||S1^^^^MR', 'MRG|R1^^^^MR', 'PID|2||S2^^^^MR', 'PD1|', 'MRG|X^^^^SS~R2^^^^MR', 'PV1|1|O'),
      ),
    );
    expect(r.events).toEqual([
      { type: 'patient-merge', survivorId: 'S1', retiredId: 'R1' },
      { type: 'patient-merge', survivorId: 'S2', retiredId: 'R2' },
    ]);
    expect(r.patientIds).toEqual(['S1', 'R1', 'S2', 'R2']);
  });

  it('a PID without its MRG: AE 100; an empty MRG-1: AE 101 at MRG^n^1', () => {
    expect(parseInbound(utf8(MSH('ADT^A40'), 'PID|1||S1^^^^MR', 'MRG|R1', 'PID|2||S2^^^^MR'))).toMatchObject({
      kind: 'rejected', ack: 'AE', errors: [{ code: '100', location: 'MRG' }],
    });
    expect(parseInbound(utf8(MSH('ADT^A40'), 'PID|1||S1^^^^MR', 'MRG|R1', 'PID|2||S2^^^^MR', 'MRG||'))).toMatchObject({
      kind: 'rejected', ack: 'AE', errors: [{ code: '101', location: 'MRG^2^1' }],
    });
  });
});

describe('SIU timing and status', () => {
  const siu = (event: string, ...segments: string[]) => parseInbound(utf8(MSH(`SIU^${event}`), ...segments));
  const appointmentOf = (r: InboundResult) => {
    const ev = accepted(r).events[0];
    if (ev?.type !== 'appointment-upsert') throw new Error('expected an appointment');
    return ev;
  };

  it('v2.3 style: start and end in SCH-11.4/11.5 (no TQ1)', () => {
    const ev = appointmentOf(siu('S12', seg('SCH', { 1: 'P1', 2: 'F1', 11: '^^^20240301090000-0500^20240301093000-0500' }), PID));
    expect(ev.appointment).toMatchObject({ start: '2024-03-01T14:00:00Z', end: '2024-03-01T14:30:00Z', minutesDuration: 30, status: 'booked' });
    expect(ev.emrAppointmentId).toBe('F1');
  });

  it('start only in AIS-4, duration in AIS-7/8; start only in AIG-8; in AIL-6; in AIP-6', () => {
    expect(appointmentOf(siu('S12', 'SCH|P1|F1', PID, 'RGS|1', 'AIS|1|A|CONSULT^Consult|20240301090000+0000|||20|min')).appointment).toMatchObject({
      start: '2024-03-01T09:00:00Z', end: '2024-03-01T09:20:00Z', minutesDuration: 20, description: 'Consult',
    });
    expect(appointmentOf(siu('S12', 'SCH|P1|F1', PID, 'RGS|1', seg('AIG', { 1: '1', 2: 'A', 3: 'R1^Room', 8: '20240301100000+0000', 11: '1', 12: 'h' }))).appointment).toMatchObject({
      start: '2024-03-01T10:00:00Z', end: '2024-03-01T11:00:00Z', minutesDuration: 60,
    });
    expect(appointmentOf(siu('S12', 'SCH|P1|F1', PID, 'RGS|1', seg('AIL', { 1: '1', 2: 'A', 3: 'CLIN^R1', 6: '20240301110000+0000' }))).appointment).toMatchObject({ start: '2024-03-01T11:00:00Z', end: '2024-03-01T11:00:00Z' });
    expect(appointmentOf(siu('S12', 'SCH|P1|F1', PID, 'RGS|1', seg('AIP', { 1: '1', 2: 'A', 3: 'D1^Who^Doc', 6: '20240301120000+0000', 12: 'Booked' }))).appointment).toMatchObject({ start: '2024-03-01T12:00:00Z' });
  });

  it('no start time anywhere: AE 101', () => {
    const r = rejected(siu('S12', 'SCH|P1|F1', PID, 'RGS|1', 'AIS|1|A|CONSULT'));
    expect(r.errors).toEqual([{
      code: '101', codeText: 'Required field missing', location: 'TQ1^1^7',
      text: 'TQ1-7 (appointment start date/time; also looked in SCH-11.4, AIS-4, AIG-8, AIL-6, AIP-6) is required and empty',
    }]);
  });

  it('an impossible start: AE 102 at its location; an end before the start: AE 102', () => {
    expect(rejected(siu('S12', 'SCH|P1|F1', 'TQ1|1||||||20240231090000', PID)).errors[0]).toMatchObject({ code: '102', location: 'TQ1^1^7' });
    expect(rejected(siu('S12', seg('SCH', { 1: 'P1', 2: 'F1', 11: '^^^202402310900' }), PID)).errors[0]).toMatchObject({ code: '102', location: 'SCH^1^11^1^4' });
    expect(rejected(siu('S12', 'SCH|P1|F1', 'TQ1|1||||||202402010900|202402010800', PID)).errors[0]).toMatchObject({ code: '102', location: 'TQ1^1^8' });
  });

  it('a start with a date but no time: AE 102', () => {
    expect(rejected(siu('S12', 'SCH|P1|F1', 'TQ1|1||||||20240201', PID)).errors[0]).toMatchObject({ code: '102', location: 'TQ1^1^7' });
  });

  it('no SCH: AE 100; no appointment id: AE 101 at SCH^1^2; no PID: AE 100', () => {
    expect(rejected(siu('S12', 'TQ1|1||||||202402010900', PID)).errors[0]).toMatchObject({ code: '100', location: 'SCH' });
    expect(rejected(siu('S12', 'SCH||', 'TQ1|1||||||202402010900', PID)).errors[0]).toMatchObject({ code: '101', location: 'SCH^1^2' });
    expect(rejected(siu('S12', 'SCH|P1|F1', 'TQ1|1||||||202402010900')).errors[0]).toMatchObject({ code: '100', location: 'PID' });
  });

  it('events: S13 reschedule, S14 modify, S15 cancel, S17 delete (cancelled), S26 no-show', () => {
    const base = [seg('SCH', { 1: 'P1', 2: 'F1', 25: 'Booked' }), 'TQ1|1||||||202402010900+0000', PID];
    expect([
      ['S12', 'new', 'booked'],
      ['S13', 'reschedule', 'booked'],
      ['S14', 'modify', 'booked'],
      ['S15', 'cancel', 'cancelled'],
      ['S17', 'delete', 'cancelled'],
      ['S26', 'noshow', 'noshow'],
    ].map(([e]) => {
      const ev = appointmentOf(siu(e ?? '', ...base));
      return [e, ev.change, ev.appointment.status];
    })).toEqual([
      ['S12', 'new', 'booked'],
      ['S13', 'reschedule', 'booked'],
      ['S14', 'modify', 'booked'],
      ['S15', 'cancel', 'cancelled'],
      ['S17', 'delete', 'cancelled'],
      ['S26', 'noshow', 'noshow'],
    ]);
  });

  it('SCH-25 filler status (table 0278) sets the status of new/changed appointments', () => {
    const status = (code: string) => appointmentOf(siu('S14', seg('SCH', { 1: 'P1', 2: 'F1', 25: code }), 'TQ1|1||||||202402010900+0000', PID)).appointment.status;
    expect(['Pending', 'Waitlist', 'Booked', 'Started', 'Complete', 'Noshow'].map(status)).toEqual(['pending', 'waitlist', 'booked', 'arrived', 'fulfilled', 'noshow']);
  });

  it('several patients in one SIU; a deleted resource (AIx-2 D) is not a participant', () => {
    const ev = appointmentOf(siu('S12', 'SCH|P1|F1', 'TQ1|1||||||202402010900+0000', PID, 'PV1|1|O', 'PID|2||P-200^^^^MR||Roe^Ann', 'RGS|1', 'AIP|1|D|D9^Gone', 'AIP|2|A|D1^Who^Doc'));
    expect(ev.emrPatientIds).toEqual(['P-100', 'P-200']);
    expect(ev.patients.map((p) => p.name?.[0]?.family)).toEqual(['Doe', 'Roe']);
    expect(ev.appointment.participant.map((p) => p.actor?.display ?? p.actor?.identifier?.value)).toEqual(['P-100', 'P-200', 'Doc Who']);
  });
});

describe('determinism and the ACK', () => {
  it('a resend gives identical output and an identical ACK', () => {
    const raw = utf8(MSH('SIU^S12'), 'SCH|P1|F1', 'TQ1|1||||||202402010900+0000', PID);
    expect(parseInbound(Buffer.from(raw))).toEqual(parseInbound(Buffer.from(raw)));
    const now = new Date('2024-02-01T10:00:00Z');
    expect(buildInboundAck(parseInbound(raw), raw, { now }).equals(buildInboundAck(parseInbound(Buffer.from(raw)), Buffer.from(raw), { now }))).toBe(true);
  });

  it('MSH-7 of the ACK is now, in the zone asked for (the per-second cache keeps zones and seconds apart)', () => {
    const raw = utf8(MSH('ADT^A08'), PID);
    const r = parseInbound(raw);
    const msh7 = (now: string, timeZone: string) => buildInboundAck(r, raw, { now: new Date(now), timeZone }).toString().split('|')[6];
    expect(msh7('2024-07-01T10:00:00.100Z', 'UTC')).toBe('20240701100000+0000');
    expect(msh7('2024-07-01T10:00:00.900Z', 'Europe/Paris')).toBe('20240701120000+0200');
    expect(msh7('2024-07-01T10:00:00.950Z', 'UTC')).toBe('20240701100000+0000');
    expect(msh7('2024-07-01T10:00:01.000Z', 'UTC')).toBe('20240701100001+0000');
    expect(msh7('2024-01-01T10:00:01.000Z', 'America/Toronto')).toBe('20240101050001-0500');
  });

  it('v2.5+: MSA-1/MSA-2, MSH-5/6 <- MSH-3/4, ERR-2 location, ERR-3 code, ERR-4 severity, ERR-8 text', () => {
    const raw = utf8(MSH('ADT^A08', { version: '2.5.1', control: 'X-42' }), 'PID|1|||||Doe');
    const ack = buildInboundAck(parseInbound(raw), raw, { now: new Date('2024-02-01T10:00:00Z'), controlId: 'ACK1' });
    const m = Hl7Message.parse(ack.toString('utf8'));
    expect(m.header.getField(3).toString()).toBe('BRIDGE');
    expect(m.header.getField(4).toString()).toBe('HQ');
    expect(m.header.getField(5).toString()).toBe('EMR');
    expect(m.header.getField(6).toString()).toBe('CLINIC');
    expect(m.header.getField(9).toString()).toBe('ACK^A08^ACK');
    expect(m.header.getField(10).toString()).toBe('ACK1');
    expect(m.getSegment('MSA')?.toString()).toBe('MSA|AE|X-42');
    expect(m.getSegment('ERR')?.toString()).toBe('ERR||PID^1^3|101^Required field missing^HL70357|E||||PID-3 (patient identifier list) is required and empty');
  });

  it('before v2.5: ERR-1 (ELD: segment^sequence^field^code&text&table) and MSA-3 text', () => {
    const raw = utf8(MSH('ADT^A08', { version: '2.3', control: 'X-43' }), 'PID|1|||||Doe');
    const ack = buildInboundAck(parseInbound(raw), raw).toString('utf8');
    const m = Hl7Message.parse(ack);
    expect(m.getSegment('MSA')?.toString()).toBe('MSA|AE|X-43|PID-3 (patient identifier list) is required and empty');
    expect(m.getSegment('ERR')?.toString()).toBe('ERR|PID^1^3^101&Required field missing&HL70357');
    expect(parseAck(ack).errors).toEqual([{ location: 'PID^1^3', code: '101', codeText: 'Required field missing' }]);
  });

  it('AR for an unsupported version uses the layout of that version (2.1: ERR-1; 2.9: ERR-2/3)', () => {
    const old = utf8(MSH('ADT^A08', { version: '2.1' }), PID);
    expect(buildInboundAck(parseInbound(old), old).toString()).toContain('\rERR|MSH^1^12^203&Unsupported version id&HL70357\r');
    const newer = utf8(MSH('ADT^A08', { version: '2.9' }), PID);
    const parsed = parseAck(buildInboundAck(parseInbound(newer), newer));
    expect(parsed.ackCode).toBe('AR');
    expect(parsed.errors).toEqual([{ location: 'MSH^1^12', code: '203', codeText: 'Unsupported version id', severity: 'E', message: 'version not supported: 2.2 to 2.8 are accepted' }]);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInbound, type InboundResult } from '../hl7v2/inbound.js';
import { readArrival, type Arrival } from './arrival.js';

/**
 * readArrival (the listener's hot path) against parseInbound (processing): same header, same
 * decision, same error, same patients, for every shared sample and for each refusal the
 * listener makes on arrival. The only difference allowed is the documented one (arrival.ts):
 * a value refused by the full mapping (a date, an appointment's start) is taken in on arrival.
 */
const SAMPLES = '/work/shared/data/hl7v2';

const MSH = (type: string, id = 'CTRL1', version = '2.5.1', extra = ''): string => `MSH|^~\\&|EMR|CLINIC|EHRB|EHRB|20260101120000||${type}|${id}|P|${version}${extra}`;
const PID = (ids = 'MRN1^^^EMR^MR~123^^^USSSA^SS', dob = '19800101'): string => `PID|1||${ids}||Doe^Jane||${dob}|F`;
const SCH = (filler = 'APT1'): string => `SCH|P1|${filler}|||||||30|MIN|^^30^20260301090000`;
const msg = (...segments: string[]): Buffer => Buffer.from(segments.join('\r') + '\r', 'latin1');

const CASES: Record<string, Buffer> = {
  'ADT A08': msg(MSH('ADT^A08^ADT_A01'), 'EVN|A08|20260101', PID(), 'PV1|1|O'),
  'ADT A08 with LF line ends and a BOM': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from([MSH('ADT^A08'), PID()].join('\n') + '\n')]),
  'ADT A08, identifier type PI only (first repetition used)': msg(MSH('ADT^A08'), PID('P77^^^EMR^PI~88^^^X^XX')),
  'ADT A08, MR first and PI second (the configured type wins)': msg(MSH('ADT^A08'), PID('MRN1^^^EMR^MR~P77^^^EMR^PI')),
  'ADT A08, escaped MSH-10 with a component delimiter': msg(MSH('ADT^A08', 'A\\F\\B^C'), PID()),
  'ADT A08, event in EVN-1 only (v2.2)': msg(MSH('ADT', 'E1', '2.2'), 'EVN|A08|20260101', PID()),
  'ADT A08, a line without a segment id': msg(MSH('ADT^A08'), PID(), 'broken line', 'PV1|1|O'),
  'ADT A08 in ISO-8859-1 bytes without MSH-18': Buffer.from([MSH('ADT^A08'), 'PID|1||MRN9^^^EMR^MR||Müller^Zoé||19800101|F'].join('\r') + '\r', 'latin1'),
  'ADT A08 declaring 8859/1': msg(MSH('ADT^A08', 'L1', '2.5', '|||||||8859/1'), PID()),
  'ADT A08 without PID': msg(MSH('ADT^A08'), 'EVN|A08|20260101'),
  'ADT A08 without PID-3': msg(MSH('ADT^A08'), PID('')),
  'ADT A08 with only empty identifiers': msg(MSH('ADT^A08'), PID('^^^EMR^MR~""^^^X^SS')),
  'ADT A03 (ignored, patient kept)': msg(MSH('ADT^A03'), PID()),
  'ADT A11 without PID (ignored)': msg(MSH('ADT^A11')),
  'ADT A40 merge': msg(MSH('ADT^A40^ADT_A39'), 'EVN|A40', PID('SURV^^^EMR^MR'), 'MRG|RET^^^EMR^MR'),
  'ADT A40 merging a patient into itself': msg(MSH('ADT^A40'), PID('SAME^^^EMR^MR'), 'MRG|SAME^^^EMR^MR'),
  'ADT A40 without MRG': msg(MSH('ADT^A40'), PID('SURV^^^EMR^MR')),
  'ADT A40 with an empty MRG-1': msg(MSH('ADT^A40'), PID('SURV^^^EMR^MR'), 'MRG|'),
  'SIU S12 with two patients': msg(MSH('SIU^S12^SIU_S12'), SCH(), 'TQ1|1||||||20260301090000', PID('A1^^^EMR^MR'), PID('A2^^^EMR^MR')),
  'SIU S12 without SCH': msg(MSH('SIU^S12'), PID()),
  'SIU S12 with neither filler nor placer id': msg(MSH('SIU^S12'), 'SCH||', PID()),
  'SIU S12 whose second PID has no identifier': msg(MSH('SIU^S12'), SCH(), PID('A1^^^EMR^MR'), PID('')),
  'SIU S12 without PID': msg(MSH('SIU^S12'), SCH()),
  'an ACK': msg('MSH|^~\\&|X|Y|EMR|CLINIC|20260101||ACK^A08^ACK|K1|P|2.5.1', 'MSA|AA|CTRL1'),
  'not HL7': Buffer.from('GET / HTTP/1.1\r\n\r\n'),
  'malformed MSH delimiters': Buffer.from('MSH|^^\r'),
  'version 2.1': msg(MSH('ADT^A08', 'V1', '2.1'), PID()),
  'an ORU': msg(MSH('ORU^R01'), PID()),
  'an unknown ADT event': msg(MSH('ADT^A99'), PID()),
  'no MSH-10': msg(MSH('ADT^A08', ''), PID()),
  'bytes that are neither UTF-8 nor Latin-1 text': Buffer.concat([Buffer.from(MSH('ADT^A08') + '\rPID|1||MRN1^^^EMR^MR||D'), Buffer.from([0x85, 0x0d])]),
};
for (const f of readdirSync(SAMPLES).sort()) CASES[`sample ${f}`] = readFileSync(`${SAMPLES}/${f}`);

const ARRIVAL_WARNING = /^the bytes are not valid|line\(s\) without a segment id|names the surviving patient itself/;

/** What the listener stores and answers from either reader. */
function decision(r: Arrival | InboundResult) {
  const header = r.header ? { ...r.header, timestamp: undefined } : null;
  return {
    kind: r.kind,
    header,
    ack: r.kind === 'rejected' ? r.ack : 'AA',
    errors: r.kind === 'rejected' ? r.errors : [],
    reason: r.kind === 'ignored' ? r.reason : undefined,
    patientIds: r.kind === 'rejected' ? [] : (r.patientIds ?? []),
  };
}

describe('readArrival', () => {
  it.each(Object.keys(CASES))('decides as parseInbound: %s', (name) => {
    const raw = CASES[name]!;
    for (const opts of [{}, { charset: 'ISO-8859-1' as const, emrIdType: 'PI' }]) {
      const full = parseInbound(raw, opts);
      const arrival = readArrival(raw, opts);
      expect(decision(arrival)).toEqual(decision(full));
      // Its warnings are parseInbound's about the bytes and lines (the mapping adds its own).
      if (arrival.kind === 'accepted' && full.kind === 'accepted') expect(arrival.warnings ?? []).toEqual((full.warnings ?? []).filter((w) => ARRIVAL_WARNING.test(w)));
    }
  });

  it('covers each refusal the listener makes on arrival', () => {
    const seen = new Set(Object.values(CASES).map((raw) => { const a = readArrival(raw); return a.kind === 'rejected' ? `${a.ack} ${a.errors[0]?.location}` : a.kind; }));
    expect([...seen].sort()).toEqual(
      ['AE MRG^1^1', 'AE MSH^1^10', 'AE MSH^1^18', 'AE PID', 'AE PID^1^3', 'AE PID^2^3', 'AE SCH', 'AE SCH^1^2', 'AE MRG', 'AR MSH', 'AR MSH^1^12', 'AR MSH^1^9', 'accepted', 'ignored'].sort(),
    );
  });

  it('leaves the values of a sound message to processing: an impossible date of birth is taken in, then refused by parseInbound', () => {
    const raw = msg(MSH('ADT^A08'), PID('MRN1^^^EMR^MR', '19801345'));
    expect(readArrival(raw)).toMatchObject({ kind: 'accepted', patientIds: ['MRN1'] });
    expect(parseInbound(raw)).toMatchObject({ kind: 'rejected', ack: 'AE', errors: [{ code: '102', location: 'PID^1^7' }] });
  });
});

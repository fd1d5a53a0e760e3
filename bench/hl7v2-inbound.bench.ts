/**
 * Inbound HL7 v2 translation: messages per second through `parseInbound` (bytes -> canonical
 * FHIR events) and `parseInbound` + `buildInboundAck`, on one core, compared in the same run
 * with @medplum/core's `Hl7Message.parse` alone over the same text (the parsing floor: the
 * translation reads every value through it).
 *
 *   node bin/run-ts.js bench/hl7v2-inbound.bench.ts [seconds-per-measure=1] [rounds=3]
 *
 * Each measure runs `rounds` times, interleaved with the others, and the best round is reported
 * (the machine is shared: the best round is the least disturbed one).
 *
 * Cases: a typical ADT^A08 (~460 bytes, the one bench/mllp-ingest.bench.ts sends, 1,000
 * different patients), a typical SIU^S12, and the shared GHH samples (~9 KB ADT with every
 * segment of the standard; SIU^S12 with every resource segment).
 */
import { readFileSync } from 'node:fs';
import { Hl7Message } from '@medplum/core';
import { buildInboundAck, parseInbound } from '../src/channels/hl7v2/inbound.js';

const SECONDS = Number(process.argv[2] ?? 1);
const ROUNDS = Number(process.argv[3] ?? 3);
const SAMPLES = '/work/shared/data/hl7v2';

function adt(i: number): Buffer {
  return Buffer.from(
    [
      `MSH|^~\\&|EMR|CLINIC|EHRB|EHRB|20260101120000||ADT^A08^ADT_A01|X${i}|P|2.5.1`,
      'EVN|A08|20260101120000',
      `PID|1||MRN${i}^^^EMR^MR~${100000000 + i}^^^USSSA^SS||Doe${i % 97}^Jane^Q||19800101|F|||${i % 900} Main St^^Springfield^IL^62701||^PRN^PH^^^555^${1000000 + i}|^WPN^PH^^^555^7654321|||||`,
      'PV1|1|O|CLINIC^101^1||||1234^Smith^John^^^Dr',
    ].join('\r') + '\r',
  );
}

function siu(i: number): Buffer {
  return Buffer.from(
    [
      `MSH|^~\\&|EMR|CLINIC|EHRB|EHRB|20260101120000||SIU^S12^SIU_S12|S${i}|P|2.5.1`,
      `SCH|P${i}|F${i}||||NEW^New booking|FOLLOWUP^Follow-up^HL70276|Normal|||||||||||||||||Booked`,
      `TQ1|1||||||2026020${1 + (i % 9)}0900-0500|2026020${1 + (i % 9)}0930-0500`,
      `PID|1||MRN${i}^^^EMR^MR||Doe${i % 97}^Jane||19800101|F|||||^NET^Internet^jane${i}@example.org`,
      'RGS|1|A',
      'AIS|1|A|FU^Follow-up visit^L|20260201090000-0500|||30|min',
      'AIP|1|A|1234^Smith^John^^^Dr|D^Doctor^L||20260201090000-0500',
    ].join('\r') + '\r',
  );
}

function measure(messages: Buffer[], fn: (raw: Buffer) => unknown): number {
  for (let i = 0; i < 2000; i++) fn(messages[i % messages.length] as Buffer);
  let n = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(SECONDS * 1e9));
  while (process.hrtime.bigint() < deadline) {
    for (let k = 0; k < 200; k++) fn(messages[n++ % messages.length] as Buffer);
  }
  return n / (Number(process.hrtime.bigint() - started) / 1e9);
}

function line(label: string, rate: number): void {
  console.log(`  ${label.padEnd(34)} ${Math.round(rate).toLocaleString('en-US').padStart(9)} msg/s  (${(1e6 / rate).toFixed(1)} µs each)`);
}

const cases: [string, Buffer[]][] = [
  ['ADT^A08, 460 bytes', Array.from({ length: 1000 }, (_, i) => adt(i))],
  ['SIU^S12, 560 bytes', Array.from({ length: 1000 }, (_, i) => siu(i))],
  ['GHH ADT-A08-01 sample, 9 KB', [readFileSync(`${SAMPLES}/ADT-A08-01.hl7`)]],
  ['GHH SIU-S12-01 sample, 4 KB', [readFileSync(`${SAMPLES}/SIU-S12-01.hl7`)]],
];

console.log(`HL7 v2 inbound translation, one core, ${SECONDS} s per measure, best of ${ROUNDS} rounds`);
for (const [name, messages] of cases) {
  const check = parseInbound(messages[0] as Buffer);
  if (check.kind !== 'accepted') throw new Error(`${name}: expected accepted, got ${check.kind}`);
  const fns = {
    'Hl7Message.parse alone (floor)': (raw: Buffer) => Hl7Message.parse(raw.toString('utf8').replace(/\n/g, '\r')),
    parseInbound: (raw: Buffer) => parseInbound(raw),
    'parseInbound + buildInboundAck': (raw: Buffer) => buildInboundAck(parseInbound(raw), raw),
  };
  const best = new Map<string, number>();
  for (let r = 0; r < ROUNDS; r++) {
    for (const [label, fn] of Object.entries(fns)) best.set(label, Math.max(best.get(label) ?? 0, measure(messages, fn)));
  }
  console.log(`${name}:`);
  for (const [label, rate] of best) line(label, rate);
  const floor = best.get('Hl7Message.parse alone (floor)') ?? 1;
  const full = best.get('parseInbound + buildInboundAck') ?? 0;
  console.log(`  parse + ACK at ${Math.round((full / floor) * 100)}% of the bare parse`);
}

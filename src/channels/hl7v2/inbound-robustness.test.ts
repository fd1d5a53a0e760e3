import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAck } from '../../hl7/ack.js';
import { decodeText } from '../../hl7/charset.js';
import { buildInboundAck, parseInbound } from './inbound.js';

/**
 * Damaged input (cut frames, flipped bytes, stray delimiters, random bytes) from the shared
 * samples, with a fixed seed: parseInbound never throws, and every result that needs an ACK gets
 * one that reads back with the result's code and the message's control id.
 */
const SAMPLES = '/work/shared/data/hl7v2';
const files = readdirSync(SAMPLES).map((f) => readFileSync(`${SAMPLES}/${f}`));

describe('damaged input', () => {
  it('2,000 damaged messages: a result and a readable ACK for each, never an exception', () => {
    let seed = 42;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const kinds = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const base = files[i % files.length] as Buffer;
      let raw: Buffer;
      if (i % 4 === 0) raw = base.subarray(0, Math.floor(rnd() * base.length));
      else if (i % 4 === 1) {
        raw = Buffer.from(base);
        for (let k = 0; k < 5; k++) raw[Math.floor(rnd() * raw.length)] = Math.floor(rnd() * 256);
      } else if (i % 4 === 2) {
        raw = Buffer.from(base);
        const chars = '|^~\\&\r\n"';
        for (let k = 0; k < 8; k++) raw[Math.floor(rnd() * raw.length)] = chars.charCodeAt(Math.floor(rnd() * chars.length));
      } else raw = Buffer.from(Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)));

      const result = parseInbound(raw);
      kinds.add(result.kind === 'rejected' ? result.ack : result.kind);
      if (result.kind === 'ignored' && result.reason === 'ack') continue;
      // Read the ACK in the charset it was written in (the message's, see buildInboundAck).
      const ack = parseAck(decodeText(buildInboundAck(result, raw), result.header?.charset ?? 'UTF-8'));
      expect(ack.ackCode).toBe(result.kind === 'rejected' ? result.ack : 'AA');
      if (result.header) expect(ack.acknowledgedControlId).toBe(result.header.controlId);
    }
    expect([...kinds].sort()).toEqual(['AE', 'AR', 'accepted']);
  });
});

import { describe, expect, it } from 'vitest';
import { MllpDeframer, MllpFrameError, frame } from './framer.js';

const msg = (s: string): Buffer => Buffer.from(s, 'latin1');
const texts = (frames: Buffer[]): string[] => frames.map((f) => f.toString('latin1'));

describe('frame()', () => {
  it('wraps the payload in VT ... FS CR', () => {
    expect([...frame(msg('AB'))]).toEqual([0x0b, 0x41, 0x42, 0x1c, 0x0d]);
  });

  it('refuses payloads containing framing bytes', () => {
    expect(() => frame(msg('A\x1cB'))).toThrow(/framing byte/);
    expect(() => frame(msg('A\x0bB'))).toThrow(/framing byte/);
  });
});

describe('MllpDeframer', () => {
  it('returns several frames given in one chunk', () => {
    const d = new MllpDeframer();
    const chunk = Buffer.concat([frame(msg('MSH|1')), frame(msg('MSH|2')), frame(msg('MSH|3'))]);
    expect(texts(d.feed(chunk))).toEqual(['MSH|1', 'MSH|2', 'MSH|3']);
  });

  it('reassembles a frame split byte by byte, including between 0x1C and 0x0D', () => {
    const d = new MllpDeframer();
    const bytes = Buffer.concat([frame(msg('MSH|A\rPID|1')), frame(msg('MSH|B'))]);
    const out: Buffer[] = [];
    for (const b of bytes) out.push(...d.feed(Buffer.from([b])));
    expect(texts(out)).toEqual(['MSH|A\rPID|1', 'MSH|B']);
  });

  it('waits when the chunk ends right after 0x1C', () => {
    const d = new MllpDeframer();
    expect(d.feed(Buffer.from([0x0b, 0x41, 0x1c]))).toEqual([]);
    expect(texts(d.feed(Buffer.from([0x0d, 0x0b, 0x42, 0x1c, 0x0d])))).toEqual(['A', 'B']);
  });

  it('keeps a lone 0x1C (not followed by 0x0D) as payload, also across chunks', () => {
    const d = new MllpDeframer();
    expect(d.feed(Buffer.from([0x0b, 0x41, 0x1c]))).toEqual([]);
    const out = d.feed(Buffer.from([0x42, 0x1c, 0x0d]));
    expect([...(out[0] as Buffer)]).toEqual([0x41, 0x1c, 0x42]);
    expect([...(new MllpDeframer().feed(Buffer.from([0x0b, 0x41, 0x1c, 0x42, 0x1c, 0x0d]))[0] as Buffer)]).toEqual([
      0x41, 0x1c, 0x42,
    ]);
  });

  it('skips garbage before 0x0B and between frames, and counts it', () => {
    const d = new MllpDeframer();
    const chunk = Buffer.concat([msg('junk\r\n'), frame(msg('M1')), msg('\r\nmore'), frame(msg('M2'))]);
    expect(texts(d.feed(chunk))).toEqual(['M1', 'M2']);
    expect(d.garbageBytes).toBe(6 + 6);
  });

  it('drops an oversize frame with a frame-error and resyncs on the next frame', () => {
    const d = new MllpDeframer({ maxFrameBytes: 10 });
    const errors: MllpFrameError[] = [];
    d.on('frame-error', (e) => errors.push(e));
    const big = frame(msg('X'.repeat(25)));
    const out: Buffer[] = [];
    // Split the big frame so the limit is crossed mid-stream, then a good frame follows.
    out.push(...d.feed(big.subarray(0, 7)));
    out.push(...d.feed(Buffer.concat([big.subarray(7), frame(msg('OK'))])));
    expect(texts(out)).toEqual(['OK']);
    expect(errors.map((e) => e.code)).toEqual(['oversize']);
    expect(d.garbageBytes).toBe(0);
  });

  it('accepts a frame of exactly maxFrameBytes', () => {
    const d = new MllpDeframer({ maxFrameBytes: 4 });
    expect(texts(d.feed(frame(msg('ABCD'))))).toEqual(['ABCD']);
  });

  it('drops an unterminated frame when a new 0x0B starts', () => {
    const d = new MllpDeframer();
    const errors: MllpFrameError[] = [];
    d.on('frame-error', (e) => errors.push(e));
    const out = d.feed(Buffer.concat([Buffer.from([0x0b]), msg('HALF'), frame(msg('FULL'))]));
    expect(texts(out)).toEqual(['FULL']);
    expect(errors.map((e) => [e.code, e.droppedBytes])).toEqual([['unterminated', 4]]);
  });

  it('returns copies that do not alias the input chunk', () => {
    const d = new MllpDeframer();
    const chunk = frame(msg('ABC'));
    const [f] = d.feed(chunk);
    chunk.fill(0);
    expect(f?.toString('latin1')).toBe('ABC');
  });

  it('handles a 3 MB frame fed in 64 KB chunks', () => {
    const d = new MllpDeframer();
    const payload = Buffer.alloc(3 * 1024 * 1024, 0x41);
    const framed = frame(payload);
    const out: Buffer[] = [];
    for (let i = 0; i < framed.length; i += 65536) out.push(...d.feed(framed.subarray(i, i + 65536)));
    expect(out).toHaveLength(1);
    expect(out[0]?.equals(payload)).toBe(true);
  });
});

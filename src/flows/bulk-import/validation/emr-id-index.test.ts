import { describe, expect, it } from 'vitest';
import { EmrIdIndex, fnv1a32 } from './emr-id-index.js';

describe('EmrIdIndex', () => {
  it('returns -1 for new ids and the first line for repeats, across growth and text blocks', () => {
    const index = new EmrIdIndex();
    const n = 20_000; // > 4096 per block and several table growths
    for (let i = 0; i < n; i++) expect(index.firstLineOrAdd(`id-${i}`, i + 2)).toBe(-1);
    expect(index.size).toBe(n);
    for (let i = 0; i < n; i += 997) expect(index.firstLineOrAdd(`id-${i}`, 99_999)).toBe(i + 2);
    expect(index.firstLineOrAdd('id-', 1)).toBe(-1);
    expect(index.firstLineOrAdd('', 3)).toBe(-1);
    expect(index.firstLineOrAdd('', 4)).toBe(3);
  });

  it('tells apart different ids with the same hash', () => {
    // FNV-1a collisions are rare; find a real pair by brute force over short ids.
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair && i < 2_000_000; i++) {
      const s = i.toString(36);
      const h = fnv1a32(s);
      const other = seen.get(h);
      if (other !== undefined) pair = [other, s];
      else seen.set(h, s);
    }
    expect(pair).toBeDefined();
    const [a, b] = pair!;
    expect(fnv1a32(a)).toBe(fnv1a32(b));
    const index = new EmrIdIndex();
    expect(index.firstLineOrAdd(a, 2)).toBe(-1);
    expect(index.firstLineOrAdd(b, 3)).toBe(-1);
    expect(index.firstLineOrAdd(b, 4)).toBe(3);
    expect(index.firstLineOrAdd(a, 5)).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import { LargeJsonString, parseJsonKeepingLargeStrings } from './large-json.js';

/** The parsed value with LargeJsonString views turned back into strings. */
function plain(v: unknown): unknown {
  if (v instanceof LargeJsonString) return v.toString();
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

describe('JSON parsing that keeps large strings out of JSON.parse', () => {
  const big = Buffer.alloc(300_000, 1).toString('base64');

  it('gives the same value as JSON.parse, large strings included', () => {
    const doc = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'document-title', valueString: 'quote " backslash \\ unicode é 王 \u0000' },
        { name: 'payload', valueString: big },
        { name: 'other', valueString: `${big}\\/escaped` },
        { name: 'nested', part: [{ name: 'x', valueString: big.slice(0, 70_000) }] },
      ],
    };
    const text = JSON.stringify(doc, null, 2);
    const parsed = parseJsonKeepingLargeStrings(Buffer.from(text, 'utf8'), 64 * 1024) as typeof doc;
    expect(parsed.parameter[1]!.valueString).toBeInstanceOf(LargeJsonString);
    expect(typeof parsed.parameter[2]!.valueString).toBe('string'); // escaped: through JSON.parse
    expect(plain(parsed)).toEqual(JSON.parse(text));
  });

  it('lets JSON.parse report malformed bodies, small or large', () => {
    expect(() => parseJsonKeepingLargeStrings(Buffer.from('{"a": '))).toThrow();
    expect(() => parseJsonKeepingLargeStrings(Buffer.from(`{"payload": "${big}", }`))).toThrow();
    expect(() => parseJsonKeepingLargeStrings(Buffer.from(`{"payload": "${big}`))).toThrow();
  });

  it('does not mistake a value that looks like its placeholder for one', () => {
    const text = JSON.stringify({ a: '\u0000ehrb-x:0', b: big });
    expect(plain(parseJsonKeepingLargeStrings(Buffer.from(text)))).toEqual(JSON.parse(text));
  });
});

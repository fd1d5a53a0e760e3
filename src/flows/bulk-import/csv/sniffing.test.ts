import { describe, expect, it } from 'vitest';
import { detectEncoding, isValidUtf8, notTextReason } from './detect-encoding.js';
import { looksLikeFormula } from './formula-cells.js';
import { RecordFramer } from './record-framer.js';
import { detectLineBreak, sniffDelimiter } from './sniff-delimiter.js';

const bytes = (...xs: (number | string)[]): Uint8Array =>
  new Uint8Array(xs.flatMap((x) => (typeof x === 'string' ? [...new TextEncoder().encode(x)] : [x])));

describe('detectEncoding (isomorphic, Uint8Array)', () => {
  it('BOMs decide', () => {
    expect(detectEncoding(bytes(0xef, 0xbb, 0xbf, 'a,b'))).toEqual({ encoding: 'utf-8', bomLength: 3, evidence: 'bom' });
    expect(detectEncoding(bytes(0xff, 0xfe, 0x61, 0))).toMatchObject({ encoding: 'utf-16le', bomLength: 2 });
    expect(detectEncoding(bytes(0xfe, 0xff, 0, 0x61))).toMatchObject({ encoding: 'utf-16be', bomLength: 2 });
  });

  it('valid UTF-8, pure ASCII, and Windows-1252 bytes', () => {
    expect(detectEncoding(bytes('Prénom;Müller;€'))).toMatchObject({ encoding: 'utf-8', evidence: 'utf8' });
    expect(detectEncoding(bytes('id,name'))).toMatchObject({ encoding: 'utf-8', evidence: 'ascii' });
    expect(detectEncoding(bytes('Pr', 0xe9, 'nom;M', 0xfc, 'ller;', 0x80))).toMatchObject({ encoding: 'windows-1252', evidence: 'legacy' });
  });

  it('accepts a UTF-8 sequence cut by the end of the sample, rejects overlongs and surrogates', () => {
    expect(isValidUtf8(bytes('caf', 0xc3)).valid).toBe(true);
    expect(isValidUtf8(bytes(0xc0, 0xaf)).valid).toBe(false);
    expect(isValidUtf8(bytes(0xed, 0xa0, 0x80)).valid).toBe(false);
  });

  it('UTF-16 without BOM is recognised by its NUL pattern', () => {
    const le = new Uint8Array([...'id,name\r\n1,a\r\n'].flatMap((c) => [c.charCodeAt(0), 0]));
    expect(detectEncoding(le)).toMatchObject({ encoding: 'utf-16le', evidence: 'heuristic' });
    expect(notTextReason(le, 'utf-16le')).toBeUndefined();
    expect(notTextReason(le, 'utf-8')).toMatch(/NUL/);
  });
});

describe('sniffDelimiter / detectLineBreak', () => {
  it('prefers the delimiter that splits header and rows consistently, ignoring quoted text', () => {
    expect(sniffDelimiter('a;b;c\n1;"x,y,z";3\n4;5;6\n')).toMatchObject({ delimiter: ';', fieldsPerLine: 3, consistency: 1 });
    expect(sniffDelimiter('a,b\n"1;2;3;4",x\n')).toMatchObject({ delimiter: ',', fieldsPerLine: 2 });
    expect(sniffDelimiter('a\tb\tc\n1\t2\t3')).toMatchObject({ delimiter: '\t' });
    expect(sniffDelimiter('a|b\n1|2\n')).toMatchObject({ delimiter: '|' });
    expect(sniffDelimiter('single\nvalue\n')).toMatchObject({ delimiter: ',', fieldsPerLine: 1 });
  });

  it('line breaks outside quotes', () => {
    expect(detectLineBreak('"a\nb",c\r\n')).toBe('crlf');
    expect(detectLineBreak('a\rb')).toBe('cr');
    expect(detectLineBreak('a\nb')).toBe('lf');
  });
});

describe('looksLikeFormula', () => {
  it('flags formulas, not signed numbers or phone numbers', () => {
    expect(['=1+2', '@SUM(A1)', '+cmd|x', '-2+3', '\t=x'].map(looksLikeFormula)).toEqual([true, true, true, true, true]);
    expect(['+44 7700 900123', '-12.5', '+1 (416) 555-0199', 'Ann', ''].map(looksLikeFormula)).toEqual([false, false, false, false, false]);
  });
});

describe('RecordFramer', () => {
  function frame(text: string, verdict: (text: string) => boolean = () => true, chunk = text.length) {
    const out: string[] = [];
    const f = new RecordFramer({ delimiter: ',', lineBreak: 'lf', maxRecordChars: 100 }, {
      record: (line, t, multi) => { out.push(`${line}:${t}`); return multi ? verdict(t) : true; },
      error: (line, code) => { out.push(`${line}!${code}`); },
    });
    for (let i = 0; i < text.length; i += chunk) f.push(text.slice(i, i + chunk));
    f.end();
    return out;
  }

  it('keeps quoted line breaks inside a record and numbers lines physically', () => {
    expect(frame('h\n"a\nb",c\nd\n')).toEqual(['1:h', '2:"a\nb",c', '4:d']);
  });

  it('rewinds to the next line when the sink rejects a multi-line record', () => {
    const out = frame('h\n"a,b\nc,d\ne,"f"\n', (t) => !t.includes('\n'));
    expect(out.filter((x) => !x.includes('\n'))).toEqual(['1:h', '2!unbalanced-quote', '3:c,d', '4:e,"f"']);
  });

  it('treats a quote that does not start a cell as text', () => {
    expect(frame('h\n15" wide,x\nnext\n', undefined, 3)).toEqual(['1:h', '2:15" wide,x', '3:next']);
  });

  it('bounds a pending record: an unclosed quote is dropped after the limit and reading resumes', () => {
    const text = `h\n"open,${'x'.repeat(40)}\n${Array.from({ length: 5 }, (_, i) => `r${i},${'y'.repeat(30)}`).join('\n')}\n`;
    const out = frame(text, () => true, 7);
    expect(out[0]).toBe('1:h');
    expect(out[1]).toBe('2!unbalanced-quote');
    expect(out.slice(2).map((x) => x.split(':')[0])).toEqual(['3', '4', '5', '6', '7']);
  });
});

import { describe, expect, it } from 'vitest';
import {
  UnmappableCharacterError,
  charsetFromMsh18,
  decodeHl7Bytes,
  decodeText,
  encodeText,
  msh18For,
  peekMsh18,
  toLatin1,
} from './charset.js';

describe('charset', () => {
  it('maps MSH-18 both ways', () => {
    expect(msh18For('UTF-8')).toBe('UNICODE UTF-8');
    expect(msh18For('ISO-8859-1')).toBe('8859/1');
    expect(charsetFromMsh18('8859/1')).toBe('ISO-8859-1');
    expect(charsetFromMsh18('UNICODE UTF-8')).toBe('UTF-8');
    expect(charsetFromMsh18('', 'ISO-8859-1')).toBe('ISO-8859-1');
    expect(charsetFromMsh18('ASCII')).toBe('ISO-8859-1');
  });

  it('encodes Latin-1 text byte for byte', () => {
    const bytes = encodeText('Zoé Hélène ÇÀß', 'ISO-8859-1');
    expect(bytes.length).toBe('Zoé Hélène ÇÀß'.length);
    expect(bytes[2]).toBe(0xe9);
    expect(decodeText(bytes, 'ISO-8859-1')).toBe('Zoé Hélène ÇÀß');
  });

  it("'error' policy refuses characters outside Latin-1, naming only offset and code point", () => {
    const err = (() => {
      try {
        encodeText('Cœur', 'ISO-8859-1', { onUnmappable: 'error' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(UnmappableCharacterError);
    expect((err as UnmappableCharacterError).offset).toBe(1);
    expect((err as UnmappableCharacterError).codePoint).toBe(0x153);
    expect((err as Error).message).not.toContain('Cœur');
    // 'error' is the default
    expect(() => encodeText('Łukasz', 'ISO-8859-1')).toThrow(UnmappableCharacterError);
  });

  it("'substitute' policy transliterates, then writes '?' — never mojibake", () => {
    const text = 'Cœur Łukasz Ștefan Nguyễn “ok” – 😀 é';
    expect(toLatin1(text, 'substitute')).toBe('Coeur Lukasz Stefan Nguyen "ok" - ? é');
    const bytes = encodeText(text, 'ISO-8859-1', { onUnmappable: 'substitute' });
    expect(decodeText(bytes, 'ISO-8859-1')).toBe('Coeur Lukasz Stefan Nguyen "ok" - ? é');
    // What the naive conversion would have produced (the trap this module avoids):
    expect(Buffer.from('œ', 'latin1').toString('latin1')).toBe('S');
  });

  it('UTF-8 keeps everything', () => {
    const text = 'Cœur 😀 é';
    expect(decodeText(encodeText(text, 'UTF-8'), 'UTF-8')).toBe(text);
  });

  it('reads MSH-18 from raw bytes to pick the decoder', () => {
    const latin = encodeText('MSH|^~\\&|A|B|C|D|20240101||ACK|1|P|2.5||||||8859/1\rMSA|AA|1|Zoé\r', 'ISO-8859-1');
    expect(peekMsh18(latin)).toBe('8859/1');
    expect(decodeHl7Bytes(latin).text).toContain('Zoé');
    const utf = Buffer.from('MSH|^~\\&|A|B|C|D|20240101||ACK|1|P|2.5\rMSA|AA|1|Zoé\r', 'utf8');
    expect(decodeHl7Bytes(utf)).toMatchObject({ charset: 'UTF-8' });
    expect(decodeHl7Bytes(utf).text).toContain('Zoé');
  });
});

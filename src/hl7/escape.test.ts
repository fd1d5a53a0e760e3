import { describe, expect, it } from 'vitest';
import { DEFAULT_DELIMITERS, delimitersFromHeader, escapeHl7, unescapeHl7, type Hl7Delimiters } from './escape.js';

const CUSTOM: Hl7Delimiters = { field: '!', component: '@', repetition: '*', escape: '%', subcomponent: '$' };

describe('escapeHl7 / unescapeHl7', () => {
  it('escapes every delimiter with its role letter', () => {
    expect(escapeHl7('a|b^c~d\\e&f')).toBe('a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f');
  });

  it('round-trips delimiters, framing bytes and line breaks exactly (hex policy)', () => {
    const value = 'x|^~\\&\x0b\x1c\r\n\ry\nz\x00\x7f\tend é';
    const escaped = escapeHl7(value);
    expect(escaped).not.toMatch(/[|^~&\r\n\x0b\x1c\x00\x7f]/);
    expect(unescapeHl7(escaped)).toBe(value);
  });

  it('uses the message delimiters, not hard-coded ones', () => {
    const value = 'a!b@c*d%e$f|^~\\&';
    const escaped = escapeHl7(value, CUSTOM);
    expect(escaped).toBe('a%F%b%S%c%R%d%E%e%T%f|^~\\&');
    expect(unescapeHl7(escaped, CUSTOM)).toBe(value);
  });

  it('scans left to right: \\E\\F\\E\\ is the literal text \\F\\', () => {
    expect(unescapeHl7('\\E\\F\\E\\')).toBe('\\F\\');
    expect(unescapeHl7(escapeHl7('\\F\\'))).toBe('\\F\\');
  });

  it('applies the newline policies', () => {
    expect(escapeHl7('a\r\nb\nc', DEFAULT_DELIMITERS, { newline: 'br' })).toBe('a\\.br\\b\\.br\\c');
    expect(escapeHl7('a\r\nb', DEFAULT_DELIMITERS, { newline: 'space' })).toBe('a b');
    expect(escapeHl7('a\r\nb', DEFAULT_DELIMITERS, { newline: 'strip' })).toBe('ab');
    expect(unescapeHl7('a\\.br\\b', DEFAULT_DELIMITERS, { lineBreak: '\r\n' })).toBe('a\r\nb');
  });

  it('decodes hex escapes in the chosen charset and keeps unknown or unterminated sequences', () => {
    expect(unescapeHl7('\\XC3A9\\', DEFAULT_DELIMITERS, { hexCharset: 'utf8' })).toBe('é');
    expect(unescapeHl7('\\XE9\\')).toBe('é');
    expect(unescapeHl7('a\\Zfoo\\b')).toBe('a\\Zfoo\\b');
    expect(unescapeHl7('tail\\F')).toBe('tail\\F');
    expect(unescapeHl7('\\H\\bold\\N\\')).toBe('bold');
  });
});

describe('delimitersFromHeader', () => {
  it('reads MSH-1 and MSH-2', () => {
    expect(delimitersFromHeader('MSH!@*%$!APP')).toEqual(CUSTOM);
    expect(delimitersFromHeader('MSH|^~\\&|A')).toEqual(DEFAULT_DELIMITERS);
  });

  it('reads the HPRIM H line (1-letter id, ~ and ^ swapped)', () => {
    expect(delimitersFromHeader('H|~^\\&|F.HPR', 1)).toEqual({
      field: '|', component: '~', repetition: '^', escape: '\\', subcomponent: '&',
    });
  });

  it('rejects a header without distinct delimiters', () => {
    expect(() => delimitersFromHeader('MSH|^^\\&|')).toThrow(/distinct/);
    expect(() => delimitersFromHeader('MSH|')).toThrow(/delimiters/);
  });
});

/**
 * Decides how to read a file from its first bytes: encoding (UTF-8 with/without BOM, else
 * Windows-1252, which TextDecoder also uses for ISO-8859-1), delimiter (, ; tab) and line break.
 */

export interface CsvSniff {
  /** A TextDecoder label. */
  encoding: 'utf-8' | 'windows-1252';
  /** What the people-facing text says about it. */
  encodingLabel: string;
  bom: boolean;
  delimiter: ',' | ';' | '\t';
  newline: '\n' | '\r\n' | '\r';
}

export function sniffCsv(bytes: Uint8Array): CsvSniff {
  const enc = detectEncodingLocal(bytes);
  const text = new TextDecoder(enc.encoding).decode(bytes.subarray(0, 64 * 1024));
  return {
    ...enc,
    delimiter: sniffDelimiterLocal(text),
    newline: sniffNewline(text),
  };
}

function detectEncodingLocal(bytes: Uint8Array): Pick<CsvSniff, 'encoding' | 'encodingLabel' | 'bom'> {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { encoding: 'utf-8', encodingLabel: 'UTF-8 (with BOM)', bom: true };
  }
  // A sample cut in the middle of a multi-byte character is still UTF-8: drop up to 3 tail bytes.
  let end = bytes.byteLength;
  for (let back = 0; back < 3 && end > 0 && (bytes[end - 1]! & 0xc0) === 0x80; back++) end--;
  if (end > 0 && bytes[end - 1]! >= 0xc0) end--;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end));
    return { encoding: 'utf-8', encodingLabel: 'UTF-8', bom: false };
  } catch {
    return { encoding: 'windows-1252', encodingLabel: 'Windows-1252 / ISO-8859-1', bom: false };
  }
}

function sniffDelimiterLocal(text: string): CsvSniff['delimiter'] {
  const firstLine = text.split(/\r\n|\n|\r/, 1)[0] ?? '';
  const count = (d: string) => firstLine.split(d).length - 1;
  const candidates = [',', ';', '\t'] as const;
  let best: CsvSniff['delimiter'] = ',';
  let bestCount = 0;
  for (const d of candidates) {
    const n = count(d);
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

function sniffNewline(text: string): CsvSniff['newline'] {
  const lf = text.indexOf('\n');
  if (lf === -1) return text.indexOf('\r') !== -1 ? '\r' : '\n';
  return lf > 0 && text[lf - 1] === '\r' ? '\r\n' : '\n';
}

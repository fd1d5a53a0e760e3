/**
 * Decides how to read a file from its first bytes, with the shared bulk-import detectors (the
 * server uses the same ones, so the browser and the server read the file alike): encoding
 * (UTF-8 with/without BOM, UTF-16, else Windows-1252, which also covers ISO-8859-1),
 * delimiter (, ; tab |) and line break.
 */
import { detectEncoding, notTextReason, type TextEncodingName } from '../../flows/bulk-import/csv/detect-encoding.js';
import { detectLineBreak, sniffDelimiter } from '../../flows/bulk-import/csv/sniff-delimiter.js';

export interface CsvSniff {
  /** A TextDecoder label. */
  encoding: TextEncodingName;
  /** What the people-facing text says about it. */
  encodingLabel: string;
  bom: boolean;
  delimiter: string;
  newline: '\n' | '\r\n' | '\r';
  /** Set when the bytes are not CSV text at all (a PDF, an Excel workbook...). */
  notText: string | null;
}

const ENCODING_LABELS: Record<TextEncodingName, string> = {
  'utf-8': 'UTF-8',
  'utf-16le': 'UTF-16',
  'utf-16be': 'UTF-16',
  'windows-1252': 'Windows (ANSI) / ISO-8859-1',
};

const NEWLINES = { lf: '\n', crlf: '\r\n', cr: '\r' } as const;

export function sniffCsv(bytes: Uint8Array): CsvSniff {
  const guess = detectEncoding(bytes);
  const notText = notTextReason(bytes, guess.encoding) ?? null;
  const text = new TextDecoder(guess.encoding).decode(bytes);
  return {
    encoding: guess.encoding,
    encodingLabel: ENCODING_LABELS[guess.encoding] + (guess.bomLength > 0 && guess.encoding === 'utf-8' ? ' (with BOM)' : ''),
    bom: guess.bomLength > 0,
    delimiter: sniffDelimiter(text).delimiter,
    newline: NEWLINES[detectLineBreak(text)],
    notText,
  };
}

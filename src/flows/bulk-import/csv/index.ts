/**
 * CSV reading for bulk import. `parseCsvStream` is server-side (Node streams, csv-parse);
 * the detection helpers and `neutraliseCsvCell` are isomorphic and safe for the browser bundle.
 */
export type {
  CsvEndEvent, CsvEvent, CsvFatalEvent, CsvHeaderEvent, CsvIssueCode, CsvNoticeEvent, CsvRowErrorEvent, CsvRowEvent,
} from './csv-events.js';
export { CSV_ISSUE_CODES } from './csv-events.js';
export { CsvTextParser } from './csv-text-parser.js';
export type { CsvTextParserOptions } from './csv-text-parser.js';
export { TEXT_ENCODINGS, detectEncoding, isValidUtf8, notTextReason } from './detect-encoding.js';
export type { EncodingGuess, TextEncodingName } from './detect-encoding.js';
export { looksLikeFormula, neutraliseCsvCell } from './formula-cells.js';
export { CSV_DEFAULTS, parseCsvStream, parseCsvStreamBatches } from './parse-csv-stream.js';
export type { ParseCsvOptions } from './parse-csv-stream.js';
export { RecordFramer } from './record-framer.js';
export type { FramerErrorCode, FramerOptions, FramerSink } from './record-framer.js';
export { DELIMITER_CANDIDATES, delimiterName, detectLineBreak, sniffDelimiter } from './sniff-delimiter.js';
export type { DelimiterGuess, LineBreak } from './sniff-delimiter.js';

/** Public API of the HL7 v2 layer (builders, ACKs, escaping, charsets). */
export { buildOruR01, TITLE_OBX_CODE } from './oru-r01.js';
export { buildMdmT02 } from './mdm-t02.js';
export type { Hl7BuildOptions } from './segments.js';
export { edTypeFor, RPPS_AUTHORITY } from './segments.js';
export {
  DOCUMENT_CONTENT_TYPES,
  DEFAULT_DOCUMENT_LOINC,
  type DocumentContentType,
  type DocumentMessageInput,
  type MessageParty,
} from './document-input.js';
export {
  ACK_CODES,
  HL7_ERROR_CODES,
  ackReason,
  buildAck,
  isAckCode,
  parseAck,
  type AckCode,
  type AckErrorDetail,
  type BuildAckOptions,
  type ParsedAck,
} from './ack.js';
export {
  DEFAULT_DELIMITERS,
  delimitersFromHeader,
  encodingCharacters,
  escapeHl7,
  unescapeHl7,
  type Hl7Delimiters,
  type NewlinePolicy,
} from './escape.js';
export {
  HL7_CHARSETS,
  UnmappableCharacterError,
  charsetFromMsh18,
  decodeHl7Bytes,
  decodeText,
  encodeText,
  msh18For,
  peekMsh18,
  toLatin1,
  type Hl7Charset,
  type UnmappablePolicy,
} from './charset.js';
export { Hl7ParseError, component, field, findSegment, findSegments, parseHl7, type ParsedHl7, type Hl7SegmentFields } from './parse.js';
export { DEFAULT_TIME_ZONE, fhirDateToHl7, formatHl7DateTime } from './datetime.js';
export { deriveControlId, MAX_CONTROL_ID_LENGTH } from './control-id.js';

import { DOCUMENT_CONTENT_TYPES, type DocumentContentType } from '../../hl7/document-input.js';
import { FhirError } from './fhir-error.js';

/**
 * Checks of the `payload` parameter, cheapest first: base64 alphabet, size, then the first bytes
 * against the declared content type (a "PDF" that is not a PDF is refused before anything is
 * stored or delivered).
 */
const isWhitespace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** Canonical base64 alphabet with at most two '=' at the end; a loop, as a regex over 27 MB risks the stack. */
function isBase64(b: Buffer): boolean {
  let end = b.length;
  if (end % 4 !== 0) return false;
  if (b[end - 1] === 61) end--;
  if (b[end - 1] === 61) end--;
  for (let i = 0; i < end; i++) {
    const c = b[i]!;
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47)) return false;
  }
  return true;
}

/** The text without whitespace (FHIR base64Binary allows it); the same buffer when there is none. */
function compact(b: Buffer): Buffer {
  let first = -1;
  for (let i = 0; i < b.length; i++) {
    if (isWhitespace(b[i]!)) {
      first = i;
      break;
    }
  }
  if (first < 0) return b;
  const out = Buffer.allocUnsafe(b.length);
  b.copy(out, 0, 0, first);
  let o = first;
  for (let i = first; i < b.length; i++) if (!isWhitespace(b[i]!)) out[o++] = b[i]!;
  return out.subarray(0, o);
}

export function isAllowedContentType(v: string): v is DocumentContentType {
  return (DOCUMENT_CONTENT_TYPES as readonly string[]).includes(v);
}

/**
 * Canonical base64 (no whitespace) as ASCII bytes, or a 422 when it is not base64. Bytes, not a
 * string: the payload of a 20 MB document is 27 MB of text, kept as a view of the request body.
 */
export function normaliseBase64(raw: string | Buffer): Buffer {
  const bytes = compact(typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw);
  if (!isBase64(bytes)) {
    throw new FhirError(422, 'value', 'payload is not valid base64', { expression: ['Parameters.parameter[payload]'] });
  }
  return bytes;
}

/** Decoded length without decoding. */
export function decodedLength(b64: Buffer): number {
  const n = b64.length;
  const pad = n >= 2 && b64[n - 1] === 61 ? (b64[n - 2] === 61 ? 2 : 1) : 0;
  return (n / 4) * 3 - pad;
}

const SIGNATURES: Record<Exclude<DocumentContentType, 'application/txt'>, { label: string; test: (b: Buffer) => boolean }> = {
  // PDF 1.7 §7.5.2 puts the header first; readers accept it within the first 1024 bytes.
  'application/pdf': { label: 'a PDF (%PDF-)', test: (b) => b.subarray(0, 1024).includes('%PDF-') },
  'image/jpeg': { label: 'a JPEG (FF D8 FF)', test: (b) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  'image/png': {
    label: 'a PNG (89 50 4E 47 0D 0A 1A 0A)',
    test: (b) => b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
};

function looksBinary(head: Buffer): boolean {
  if (head.includes(0)) return true;
  return Object.values(SIGNATURES).some((s) => s.test(head));
}

/** The first bytes of the decoded payload must match its declared type. */
export function checkMagicBytes(contentType: DocumentContentType, head: Buffer): void {
  if (contentType === 'application/txt') {
    if (looksBinary(head)) {
      throw new FhirError(422, 'value', 'payload is declared application/txt but is binary content', { expression: ['Parameters.parameter[payload]'] });
    }
    return;
  }
  const sig = SIGNATURES[contentType];
  if (!sig.test(head)) {
    throw new FhirError(422, 'value', `payload is declared ${contentType} but is not ${sig.label}`, { expression: ['Parameters.parameter[payload]'] });
  }
}

export interface CheckedPayload {
  /** Canonical base64, ASCII bytes. */
  base64: Buffer;
  size: number;
}

/** All payload checks: base64, not empty, not above the limit (413), type by magic bytes. */
export function checkPayload(raw: string | Buffer, contentType: DocumentContentType, maxBytes: number): CheckedPayload {
  const base64 = normaliseBase64(raw);
  const size = decodedLength(base64);
  if (size === 0) throw new FhirError(422, 'required', 'payload is empty (0 bytes)', { expression: ['Parameters.parameter[payload]'] });
  if (size > maxBytes) {
    throw new FhirError(413, 'too-long', `payload is ${size} bytes; the limit is ${maxBytes} bytes`, { expression: ['Parameters.parameter[payload]'] });
  }
  // 1368 base64 characters = 1026 bytes: enough for every signature (PDF within 1024).
  checkMagicBytes(contentType, Buffer.from(base64.toString('latin1', 0, 1368), 'base64'));
  return { base64, size };
}

import { createHash } from 'node:crypto';
import { DOCUMENT_CONTENT_TYPES, type DocumentContentType } from '../../hl7/document-input.js';
import { FhirError } from './fhir-error.js';

/**
 * Checks of the `payload` parameter, cheapest first: base64 form, size, then every character
 * while the SHA-256 of the bytes is computed, then the first bytes (and a PDF's last ones)
 * against the declared content type (a "PDF" that is not a PDF is refused before anything is
 * stored or delivered).
 *
 * Fast on megabytes: native scans (Buffer.indexOf) find whitespace and the URL-safe alphabet,
 * and the alphabet check rides on decoding: Node's decoder skips characters outside base64 and
 * stops at a '=', so a slice that decodes to fewer bytes than its length implies is not valid
 * base64. Decoding is needed anyway for the hash, slice by slice into one scratch buffer.
 */
const WHITESPACE = [0x20, 0x0a, 0x0d, 0x09];
const PDF_HEADER = Buffer.from('%PDF-', 'latin1');
const PDF_EOF = Buffer.from('%%EOF', 'latin1');
/** PDF 32000-1 §7.5.5: the end-of-file marker sits in the last 1024 bytes (whitespace may follow it). */
const PDF_TRAILER_WINDOW = 1024;
/** Characters per decoding step: a multiple of 4 (each slice decodes on its own), under V8's large-object size (young garbage). */
const SLICE = 96 * 1024;

const invalidBase64 = () => new FhirError(422, 'value', 'payload is not valid base64', { expression: ['Parameters.parameter[payload]'] });

/** The text without whitespace (FHIR base64Binary allows it); the same buffer when there is none. */
function compact(b: Buffer): Buffer {
  const found = WHITESPACE.map((w) => b.indexOf(w)).filter((i) => i >= 0);
  if (found.length === 0) return b;
  const first = Math.min(...found);
  const out = Buffer.allocUnsafe(b.length);
  b.copy(out, 0, 0, first);
  let o = first;
  for (let i = first; i < b.length; i++) {
    const c = b[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) out[o++] = c;
  }
  return out.subarray(0, o);
}

/**
 * Every character is in the standard alphabet with '=' only as final padding, checked while
 * decoding; returns the SHA-256 (hex) of the decoded bytes.
 */
function verifyAndHash(b64: Buffer, size: number): string {
  // The decoder would take the URL-safe alphabet too; FHIR base64Binary is the standard one.
  if (b64.indexOf(0x2d) >= 0 || b64.indexOf(0x5f) >= 0) throw invalidBase64();
  const h = createHash('sha256');
  const scratch = Buffer.allocUnsafe((SLICE / 4) * 3);
  let total = 0;
  for (let i = 0; i < b64.length; i += SLICE) {
    const end = Math.min(b64.length, i + SLICE);
    const n = scratch.write(b64.toString('latin1', i, end), 'base64');
    const expected = end === b64.length ? size - total : ((end - i) / 4) * 3;
    if (n !== expected) throw invalidBase64();
    h.update(scratch.subarray(0, n));
    total += n;
  }
  return h.digest('hex');
}

export function isAllowedContentType(v: string): v is DocumentContentType {
  return (DOCUMENT_CONTENT_TYPES as readonly string[]).includes(v);
}

/** Canonical base64 (no whitespace) as ASCII bytes; only its length and padding are checked here. */
export function normaliseBase64(raw: string | Buffer): Buffer {
  const bytes = compact(typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw);
  const n = bytes.length;
  if (n % 4 !== 0 || (n >= 3 && bytes[n - 3] === 61)) throw invalidBase64();
  return bytes;
}

/** Decoded length without decoding. */
export function decodedLength(b64: Buffer): number {
  const n = b64.length;
  const pad = n >= 2 && b64[n - 1] === 61 ? (b64[n - 2] === 61 ? 2 : 1) : 0;
  return (n / 4) * 3 - pad;
}

const SIGNATURES: Record<Exclude<DocumentContentType, 'application/txt'>, { label: string; test: (b: Buffer) => boolean }> = {
  // PDF 32000-1 §7.5.2 puts the header at offset 0. Readers also accept it further in, which is
  // what HTML/ZIP polyglots rely on (a browser or unzip sees the other format): we do not.
  'application/pdf': { label: 'a PDF (%PDF- at the start)', test: (b) => b.subarray(0, 5).equals(PDF_HEADER) },
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

/**
 * A PDF ends with `%%EOF` within its last 1024 bytes (PDF 32000-1 §7.5.5). A file that merely
 * starts like a PDF (truncated, or another format carrying a PDF header) has none.
 */
export function checkPdfTrailer(tail: Buffer): void {
  if (!tail.subarray(-PDF_TRAILER_WINDOW).includes(PDF_EOF)) {
    throw new FhirError(422, 'value', 'payload is declared application/pdf but has no %%EOF trailer in its last 1024 bytes', {
      expression: ['Parameters.parameter[payload]'],
    });
  }
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
  /** SHA-256 (hex) of the decoded bytes. */
  sha256: string;
}

/** All payload checks: base64 form, not empty, not above the limit (413), every character (and the hash), type by magic bytes. */
export function checkPayload(raw: string | Buffer, contentType: DocumentContentType, maxBytes: number): CheckedPayload {
  const base64 = normaliseBase64(raw);
  const size = decodedLength(base64);
  if (size === 0) throw new FhirError(422, 'required', 'payload is empty (0 bytes)', { expression: ['Parameters.parameter[payload]'] });
  if (size > maxBytes) {
    throw new FhirError(413, 'too-long', `payload is ${size} bytes; the limit is ${maxBytes} bytes`, { expression: ['Parameters.parameter[payload]'] });
  }
  const sha256 = verifyAndHash(base64, size);
  // 1368 base64 characters = 1026 bytes: enough for every signature.
  checkMagicBytes(contentType, Buffer.from(base64.toString('latin1', 0, 1368), 'base64'));
  // The last 1368 characters (a multiple of 4, so they decode on their own) hold at least the last 1024 bytes.
  if (contentType === 'application/pdf') checkPdfTrailer(Buffer.from(base64.toString('latin1', Math.max(0, base64.length - 1368)), 'base64'));
  return { base64, size, sha256 };
}

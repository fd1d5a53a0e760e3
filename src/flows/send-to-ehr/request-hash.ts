import { createHash } from 'node:crypto';
import type { SendToEhrRequest } from './types.js';

/**
 * The identity of a request's content, for "sent twice within the window = one transaction":
 * the client, every parameter, and the document bytes (by their base64, which is canonical
 * once whitespace is gone). Hashing the base64 text avoids decoding 20 MB just for this.
 */
export function requestHash(clientId: string, req: SendToEhrRequest): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify([clientId, req.patientId, req.encounterId ?? null, req.contentType, req.loinc, req.title ?? null, req.senderRpps ?? null, req.size]),
  );
  h.update('\n');
  h.update(req.payloadBase64);
  return h.digest('hex');
}

/** A multiple of 4, so every slice of a base64 text decodes on its own. */
const SLICE = 1024 * 1024;

/** SHA-256 (hex) of the bytes a base64 text (ASCII bytes) encodes, decoded slice by slice into one scratch buffer. */
export function sha256OfBase64(base64: Buffer): string {
  const h = createHash('sha256');
  const scratch = Buffer.allocUnsafe((SLICE / 4) * 3);
  for (let i = 0; i < base64.length; i += SLICE) {
    const n = scratch.write(base64.toString('latin1', i, Math.min(base64.length, i + SLICE)), 'base64');
    h.update(scratch.subarray(0, n));
  }
  return h.digest('hex');
}

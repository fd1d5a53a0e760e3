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

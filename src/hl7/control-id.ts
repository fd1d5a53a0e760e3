import { createHash } from 'node:crypto';

/**
 * MSH-10 is at most 20 characters in HL7 v2.5 (ST, 2.A.74 length table); a Lifen-style
 * transaction id is a 36-character UUID. The control id must stay the same on every retry of
 * one transaction (the receiver de-duplicates on it), so it is derived, not random: the id
 * itself when it fits and uses only safe characters, else 20 base-32 characters of its
 * SHA-256 (100 bits: collisions are not a practical concern).
 */
export const MAX_CONTROL_ID_LENGTH = 20;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function deriveControlId(transactionId: string, maxLength = MAX_CONTROL_ID_LENGTH): string {
  if (transactionId.length > 0 && transactionId.length <= maxLength && /^[A-Za-z0-9._-]+$/.test(transactionId)) {
    return transactionId;
  }
  const digest = createHash('sha256').update(transactionId, 'utf8').digest();
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const byte of digest) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < maxLength) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
    if (out.length >= maxLength) break;
  }
  return out;
}

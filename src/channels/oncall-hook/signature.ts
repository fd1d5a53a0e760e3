import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * OnCall webhook signatures (partner-apis.md, "Assumed": `X-OnCall-Signature:
 * sha256=<hex HMAC-SHA256 of the raw body with a shared secret>`). Checked over the bytes as
 * received, before they are parsed: a re-serialised body would not match.
 */
export const ONCALL_SIGNATURE_HEADER = 'x-oncall-signature';

export function signOncallBody(raw: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

/** Constant-time comparison of the received digest with ours (equal-length buffers only). */
export function oncallSignatureValid(raw: Buffer, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!m?.[1]) return false;
  const received = Buffer.from(m[1], 'hex');
  const expected = createHmac('sha256', secret).update(raw).digest();
  return received.length === expected.length && timingSafeEqual(received, expected);
}

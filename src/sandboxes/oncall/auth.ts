import { timingSafeEqual } from 'node:crypto';
import { AUTH_SCHEMES } from './assumptions.js';
import { DETAIL } from './drf-errors.js';

/**
 * Token authentication as Django REST framework's TokenAuthentication does it
 * (partner-apis.md "Assumed": `Authorization: Token <key>`, `Bearer` also taken): another or no
 * scheme means "not provided", a bad key "Invalid token.".
 */
export type AuthOutcome = { ok: true; key: string } | { ok: false; detail: string };

export function checkAuthorization(header: string | undefined, expected: Buffer): AuthOutcome {
  if (!header) return { ok: false, detail: DETAIL.notAuthenticated };
  const parts = header.trim().split(/\s+/);
  const scheme = (parts[0] ?? '').toLowerCase();
  if (!(AUTH_SCHEMES as readonly string[]).includes(scheme)) return { ok: false, detail: DETAIL.notAuthenticated };
  if (parts.length === 1) return { ok: false, detail: DETAIL.tokenHeaderEmpty };
  if (parts.length > 2) return { ok: false, detail: DETAIL.tokenHeaderSpaces };
  const key = parts[1] as string;
  const given = Buffer.from(key);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, detail: DETAIL.invalidToken };
  return { ok: true, key };
}

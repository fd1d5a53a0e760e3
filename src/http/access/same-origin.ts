import type { FastifyRequest } from 'fastify';

/**
 * CSRF defence for requests authenticated by the session cookie (issue 6, item 12): SameSite
 * alone is not enough (older browsers, same-site sibling origins), so a state-changing request
 * must say where it comes from, and that must be the engine itself. Browsers send `Origin` on
 * every non-GET fetch/XHR and form post; `Referer` is the fallback for the rare client that
 * strips Origin. Absent both, the request is refused.
 */
export const STATE_CHANGING_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isSameOrigin(req: FastifyRequest, publicUrl: string | undefined): boolean {
  const claimed = claimedOrigin(req);
  if (!claimed) return false;
  const own = new Set<string>();
  const served = normalise(`${req.protocol}://${req.host}`);
  if (served) own.add(served);
  if (publicUrl) {
    try {
      own.add(new URL(publicUrl).origin.toLowerCase());
    } catch {
      // A malformed publicUrl adds nothing (config validation refuses one anyway).
    }
  }
  return own.has(claimed);
}

function claimedOrigin(req: FastifyRequest): string | undefined {
  const origin = req.headers.origin;
  if (typeof origin === 'string' && origin !== '' && origin !== 'null') return normalise(origin);
  if (origin === 'null') return undefined;
  const referer = req.headers.referer;
  return typeof referer === 'string' && referer !== '' ? normalise(referer) : undefined;
}

function normalise(value: string): string | undefined {
  try {
    const u = new URL(value);
    return u.origin === 'null' ? undefined : u.origin.toLowerCase();
  } catch {
    return undefined;
  }
}

import { isLoopbackHost } from '../../http/access/loopback.js';

/**
 * Which webhook `url` values the receiver takes (issue 9, "no SSRF"): the body of an OnCall
 * webhook names an appointment by its object URL (`{"event", "url"}`, oncall-patient-sync-guide.txt
 * "Using OnCall Health as the system of record"), and the processor later GETs that appointment.
 * Only an appointment of the configured OnCall account is accepted, and what is kept is the URL
 * rebuilt from the configured base, never the caller's string: nothing a caller writes decides
 * where a request goes.
 *
 * Accepted: `<base>/appointments/<id>` with or without the trailing slash (the guide's webhook
 * example has none, its objects have one), same scheme, host and port as the base. The one
 * allowance: when the base is on a loopback host (the embedded sandbox at 127.0.0.1), the other
 * loopback spellings (`localhost`, `[::1]`) on the same port are the same machine, since the
 * sandbox renders URLs from the Host a client used (src/sandboxes/oncall/resource-urls.ts).
 * Refused: credentials, a query or fragment, `..` or encoded separators, anything else.
 */

/** OnCall primary keys are integers in every example; a little wider so a real account's ids still fit one path segment. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_URL_LENGTH = 2048;

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : protocol === 'http:' ? '80' : '';
}

function sameHost(a: URL, b: URL): boolean {
  if (a.hostname === b.hostname) return true;
  return isLoopbackHost(a.hostname) && isLoopbackHost(b.hostname);
}

/**
 * The canonical appointment URL (`<base>/appointments/<id>/`) when `candidate` names an
 * appointment under `base`; else null.
 */
export function appointmentUrlUnder(base: string, candidate: string): string | null {
  if (candidate.length === 0 || candidate.length > MAX_URL_LENGTH) return null;
  // Before parsing: the URL parser would resolve `..` and decode nothing, so a path that climbs
  // out of the base or hides a separator is refused as written.
  if (/[\s\\]|\.\.|%2e|%2f|%5c|[?#@]/i.test(candidate)) return null;
  let u: URL;
  let b: URL;
  try {
    u = new URL(candidate);
    b = new URL(base);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.username || u.password || u.search || u.hash) return null;
  if (u.protocol !== b.protocol) return null;
  if ((u.port || defaultPort(u.protocol)) !== (b.port || defaultPort(b.protocol))) return null;
  if (!sameHost(u, b)) return null;
  const basePath = b.pathname.replace(/\/+$/, '');
  const prefix = `${basePath}/appointments/`;
  if (!u.pathname.startsWith(prefix)) return null;
  const id = u.pathname.slice(prefix.length).replace(/\/$/, '');
  if (!ID.test(id)) return null;
  return `${b.origin}${basePath}/appointments/${id}/`;
}

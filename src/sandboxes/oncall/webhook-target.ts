import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { isLoopbackAddress } from '../../http/access/loopback.js';

/**
 * Where the OnCall sandbox may POST its webhooks (issue 6, item 2: server-side request
 * forgery). `POST /_admin/webhooks {"url"}` would otherwise make the engine's process call any
 * address it can reach: cloud metadata, the intranet, other services on the host. A target is
 * allowed when its host, or every address the host name resolves to, is loopback or listed in
 * SANDBOX_WEBHOOK_ALLOWED_HOSTS (comma-separated names or addresses). The resolved addresses
 * are checked again when each webhook is sent, so a name re-pointed after the check (DNS
 * rebinding) is refused then too.
 */
export type ResolveAll = (hostname: string) => Promise<LookupAddress[]>;

export function parseAllowedHosts(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((h) => normaliseHost(h))
    .filter(Boolean);
}

function normaliseHost(host: string): string {
  return host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

const systemResolveAll: ResolveAll = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

export const TARGET_REFUSED = 'Webhook targets must be loopback addresses or hosts listed in SANDBOX_WEBHOOK_ALLOWED_HOSTS.';

export class WebhookTargetPolicy {
  private readonly allowed: Set<string>;

  constructor(
    allowedHosts: readonly string[],
    private readonly resolveAll: ResolveAll = systemResolveAll,
  ) {
    this.allowed = new Set(allowedHosts.map(normaliseHost));
  }

  private addressAllowed(address: string): boolean {
    return isLoopbackAddress(address) || this.allowed.has(normaliseHost(address));
  }

  /** Checks a target before it is configured; a refusal says why without echoing the URL. */
  async check(url: string): Promise<{ ok: true } | { ok: false; message: string }> {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return { ok: false, message: 'Enter a valid URL.' };
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return { ok: false, message: 'Enter a valid URL.' };
    if (u.username || u.password) return { ok: false, message: 'Webhook URLs may not carry credentials.' };
    const host = normaliseHost(u.hostname);
    if (this.allowed.has(host)) return { ok: true };
    if (isIP(host)) return this.addressAllowed(host) ? { ok: true } : { ok: false, message: TARGET_REFUSED };
    let addresses: LookupAddress[];
    try {
      addresses = await this.resolveAll(host);
    } catch {
      return { ok: false, message: 'The host name of this URL does not resolve.' };
    }
    if (addresses.length === 0 || !addresses.every((a) => this.addressAllowed(a.address))) return { ok: false, message: TARGET_REFUSED };
    return { ok: true };
  }

  /**
   * A `lookup` for the outgoing connections (undici `connect.lookup`): resolves as usual, then
   * refuses a name whose addresses are not all allowed, unless the name itself is listed. IP
   * literals never reach a lookup; `check` covered them when the target was configured.
   */
  connectLookup(): LookupFunction {
    return (hostname, options, callback) => {
      const name = normaliseHost(hostname);
      this.resolveAll(name).then(
        (addresses) => {
          if (!this.allowed.has(name) && (addresses.length === 0 || !addresses.every((a) => this.addressAllowed(a.address)))) {
            callback(Object.assign(new Error(TARGET_REFUSED), { code: 'EWEBHOOKTARGET' }), '', 0);
            return;
          }
          const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
          if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, wanted);
          else if (wanted[0]) callback(null, wanted[0].address, wanted[0].family);
          else callback(Object.assign(new Error(`no address for ${name}`), { code: 'ENOTFOUND' }), '', 0);
        },
        (err: NodeJS.ErrnoException) => callback(err, '', 0),
      );
    };
  }
}

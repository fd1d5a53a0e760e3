import type { Provider } from '../../partners/oncall/schemas.js';

/** `7`, `.../divisions/7/` → `7`; anything else as given (trimmed). */
function idOf(ref: string, kind: 'divisions' | 'providers'): string {
  const s = ref.trim();
  const m = new RegExp(`/${kind}/([^/?#]+)`).exec(s);
  return m ? m[1]! : s.replace(/\/+$/, '');
}

/** A membership as OnCall gives it: a division URL, or an object carrying one. */
function membershipDivision(m: unknown): string | undefined {
  if (typeof m === 'string') return m;
  if (m && typeof m === 'object') {
    const o = m as Record<string, unknown>;
    for (const k of ['division', 'url']) if (typeof o[k] === 'string') return o[k] as string;
  }
  return undefined;
}

/**
 * The run's provider (`--provider`) must belong to its division (`--division`): OnCall refuses
 * every row otherwise ("This provider is not a member of the division"). One message for the
 * person before any row is sent, or null when it fits (or the provider lists no memberships).
 */
export function providerDivisionProblem(providers: readonly Provider[], provider: string, division: string): string | null {
  const pid = idOf(provider, 'providers');
  const did = idOf(division, 'divisions');
  const p = providers.find((x) => idOf(x.url, 'providers') === pid);
  if (!p) return `OnCall has no provider ${provider.trim()}: check --provider`;
  if (!p.memberships) return null;
  const divisions = p.memberships.map(membershipDivision).filter((d): d is string => d !== undefined).map((d) => idOf(d, 'divisions'));
  if (divisions.includes(did)) return null;
  const name = p.full_name ? `${p.full_name} (provider ${pid})` : `provider ${pid}`;
  const where = divisions.length ? `; their clinics: ${divisions.join(', ')}` : '';
  return `${name} is not a member of clinic ${did}: choose a provider of that clinic with --provider, or their clinic with --division${where}`;
}

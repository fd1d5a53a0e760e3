/**
 * What a pulled appointment's participant gets as e-mail when the patient has none in the EMR.
 * OnCall creates a participant only with an e-mail (seeds/oncall-bulk-import-guide.txt lists
 * name, email and fee as required), and many EMR patients have none (the sandbox EMR gives 55 %
 * of its patients an address). The mapping option `participantEmailFallback` chooses:
 * - `"provider"` (the default for pulled appointments): the e-mail of the appointment's OnCall
 *   provider (the run's, or one mapped from the EMR's practitioner; `GET /providers/` listed once
 *   per run), so the clinic receives the notifications and can pass them on;
 * - an e-mail address (e.g. the clinic's front desk);
 * - `"none"`: the appointment is left out, naming the missing e-mail.
 * Each row that used a fallback carries a warning that quotes neither the address nor the
 * patient. Isomorphic: the OnCall listing is passed in.
 */
import type { MappingTemplate } from '../mapping/template.js';

/** The fallback for one row: what `emrAppointmentToRecord` applies. */
export type ParticipantEmailFallback =
  | { readonly kind: 'none' }
  | { readonly kind: 'address'; readonly email: string; readonly from: 'provider' | 'mapping' }
  /** "provider" was asked for, but there is no address to use: the row is left out, saying why. */
  | { readonly kind: 'unavailable'; readonly reason: string };

/**
 * The option once resolved for a run: a per-row fallback, or OnCall's providers with their
 * e-mails (listed once per run), from which each row takes its own provider's address.
 */
export type ParticipantEmailFallbackRule =
  | ParticipantEmailFallback
  | { readonly kind: 'provider-directory'; readonly emails: ReadonlyMap<string, string | null> };

export const DEFAULT_PARTICIPANT_EMAIL_FALLBACK = 'provider';

/** The option as the template says it, or the default for pulled appointments. */
export function participantEmailFallbackOption(template: MappingTemplate): string {
  return template.options?.participantEmailFallback ?? DEFAULT_PARTICIPANT_EMAIL_FALLBACK;
}

/** OnCall's providers (`GET /providers/`): their URL and e-mail. */
export type ProviderList = () => Promise<readonly { url: string; email?: string | null }[]>;

const NO_PROVIDER = 'the appointment has no provider, so there is no provider address to use (choose a provider: CLI --provider, or the provider in the wizard)';
const NOT_LOOKED_UP = 'the provider address was not looked up in OnCall';

/** `/providers/7/` or `7` → `7`; '' for anything else. */
function providerId(value: string): string {
  const v = value.trim();
  if (/^\d+$/.test(v)) return v;
  return /\/providers\/([^/?#]+)/.exec(v)?.[1] ?? '';
}

/**
 * Resolves the option once for a run. `template` is the run's mapping with the run's defaults
 * applied (withRunDefaults). For "provider", OnCall's providers are listed once (the provider
 * may be one for the run, or read row by row from the EMR's practitioner). A failed listing is
 * thrown: a pull must not leave appointments out because OnCall was briefly unreachable.
 */
export async function resolveParticipantEmailFallback(
  template: MappingTemplate, providers: ProviderList | undefined,
): Promise<ParticipantEmailFallbackRule> {
  const option = participantEmailFallbackOption(template);
  if (option === 'none') return { kind: 'none' };
  if (option !== 'provider') return { kind: 'address', email: option, from: 'mapping' };
  if (!template.fields.provider) return { kind: 'unavailable', reason: NO_PROVIDER };
  if (!providers) return { kind: 'unavailable', reason: NOT_LOOKED_UP };
  const emails = new Map<string, string | null>();
  for (const p of await providers()) {
    const id = providerId(p.url);
    if (id) emails.set(id, p.email?.trim() || null);
  }
  return { kind: 'provider-directory', emails };
}

/** The fallback for a row whose (mapped) provider is `provider`, an OnCall URL or id. */
export function fallbackForRow(rule: ParticipantEmailFallbackRule, provider: string | undefined): ParticipantEmailFallback {
  if (rule.kind !== 'provider-directory') return rule;
  if (!provider?.trim()) return { kind: 'unavailable', reason: NO_PROVIDER };
  const email = rule.emails.get(providerId(provider));
  if (email === undefined) return { kind: 'unavailable', reason: 'the appointment\'s provider was not found in OnCall' };
  if (email === null) return { kind: 'unavailable', reason: 'the appointment\'s provider has no e-mail address in OnCall' };
  return { kind: 'address', email, from: 'provider' };
}

/**
 * Without a lookup (a caller that maps one appointment, the sync flows until they resolve it):
 * an address or "none" apply as given; "provider" cannot, and says so.
 */
export function unresolvedParticipantEmailFallback(template: MappingTemplate): ParticipantEmailFallback {
  const option = participantEmailFallbackOption(template);
  if (option === 'none') return { kind: 'none' };
  if (option !== 'provider') return { kind: 'address', email: option, from: 'mapping' };
  return { kind: 'unavailable', reason: NOT_LOOKED_UP };
}

/** The warning on a row that used the fallback: never the address, never the patient. */
export function fallbackWarning(from: 'provider' | 'mapping'): string {
  return from === 'provider'
    ? 'the patient has no e-mail in the EMR; the participant uses the provider\'s address'
    : 'the patient has no e-mail in the EMR; the participant uses the address given in the mapping (participantEmailFallback)';
}

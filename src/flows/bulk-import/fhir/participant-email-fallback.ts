/**
 * What a pulled appointment's participant gets as e-mail when the patient has none in the EMR.
 * OnCall creates a participant only with an e-mail (seeds/oncall-bulk-import-guide.txt lists
 * name, email and fee as required), and many EMR patients have none (the sandbox EMR gives 55 %
 * of its patients an address). The mapping option `participantEmailFallback` chooses:
 * - `"provider"` (the default for pulled appointments): the e-mail of the run's OnCall provider
 *   (`GET /providers/{id}/`, read once per run), so the clinic receives the notifications and
 *   can pass them on;
 * - an e-mail address (e.g. the clinic's front desk);
 * - `"none"`: the appointment is left out, naming the missing e-mail.
 * Each row that used a fallback carries a warning that quotes neither the address nor the
 * patient. Isomorphic: the OnCall lookup is passed in.
 */
import type { MappingTemplate } from '../mapping/template.js';

/** The fallback once resolved for a run: what `emrAppointmentToRecord` applies to each row. */
export type ParticipantEmailFallback =
  | { readonly kind: 'none' }
  | { readonly kind: 'address'; readonly email: string; readonly from: 'provider' | 'mapping' }
  /** "provider" was asked for, but there is no address to use: rows are left out, saying why. */
  | { readonly kind: 'unavailable'; readonly reason: string };

export const DEFAULT_PARTICIPANT_EMAIL_FALLBACK = 'provider';

/** The option as the template says it, or the default for pulled appointments. */
export function participantEmailFallbackOption(template: MappingTemplate): string {
  return template.options?.participantEmailFallback ?? DEFAULT_PARTICIPANT_EMAIL_FALLBACK;
}

/**
 * The one OnCall provider of the run: the run's default (CLI --provider, the wizard's list; see
 * withRunDefaults) or a constant of the mapping. A provider read from an EMR field differs row
 * by row: there is then no single address to look up.
 */
export function runProvider(template: MappingTemplate): { provider: string } | { reason: string } {
  const f = template.fields.provider;
  if (!f) return { reason: 'the run has no provider, so there is no provider address to use (choose a provider: CLI --provider, or the provider in the wizard)' };
  if (f.constant !== undefined && f.constant.trim() !== '' && !f.transforms?.length) return { provider: f.constant.trim() };
  return { reason: 'the mapping takes the provider from an EMR field, so there is no one provider address to use (give an address in participantEmailFallback instead)' };
}

/**
 * Looks up a provider (OnCall URL or id): its e-mail (null when it has none), or null when
 * OnCall has no such provider. Throws what the OnCall client throws.
 */
export type ProviderEmailLookup = (provider: string) => Promise<{ email: string | null } | null>;

/**
 * Resolves the option once for a run. `template` is the run's mapping with the run's defaults
 * applied (withRunDefaults). A failed lookup is thrown: a pull must not leave appointments out
 * because OnCall was briefly unreachable.
 */
export async function resolveParticipantEmailFallback(
  template: MappingTemplate, lookup: ProviderEmailLookup | undefined,
): Promise<ParticipantEmailFallback> {
  const option = participantEmailFallbackOption(template);
  if (option === 'none') return { kind: 'none' };
  if (option !== 'provider') return { kind: 'address', email: option, from: 'mapping' };
  const run = runProvider(template);
  if ('reason' in run) return { kind: 'unavailable', reason: run.reason };
  if (!lookup) return { kind: 'unavailable', reason: 'the provider address was not looked up in OnCall' };
  const found = await lookup(run.provider);
  if (!found) return { kind: 'unavailable', reason: 'the run\'s provider was not found in OnCall' };
  const address = found.email?.trim();
  if (!address) return { kind: 'unavailable', reason: 'the run\'s provider has no e-mail address in OnCall' };
  return { kind: 'address', email: address, from: 'provider' };
}

/**
 * Without a lookup (a caller that maps one appointment, the sync flows until they resolve it):
 * an address or "none" apply as given; "provider" cannot, and says so.
 */
export function unresolvedParticipantEmailFallback(template: MappingTemplate): ParticipantEmailFallback {
  const option = participantEmailFallbackOption(template);
  if (option === 'none') return { kind: 'none' };
  if (option !== 'provider') return { kind: 'address', email: option, from: 'mapping' };
  return { kind: 'unavailable', reason: 'the provider address was not looked up in OnCall' };
}

/** The warning on a row that used the fallback: never the address, never the patient. */
export function fallbackWarning(from: 'provider' | 'mapping'): string {
  return from === 'provider'
    ? 'the patient has no e-mail in the EMR; the participant uses the provider\'s address'
    : 'the patient has no e-mail in the EMR; the participant uses the address given in the mapping (participantEmailFallback)';
}

import type { RecordType } from '../../domain/identifiers.js';
import type { MappingTemplate } from './mapping/template.js';
import type { RunOptions } from './run-options.js';

/**
 * Settings every row needs and that no single row gives by itself: OnCall wants a division on
 * every contact and appointment, and a provider on every contact. Each comes from a mapped
 * column, a constant of the mapping, or the run's default; when none of those exists, every
 * row would fail the same way, so the run stops before any row with one message instead.
 */
const REQUIRED: Record<RecordType, readonly ('division' | 'provider')[]> = {
  contacts: ['division', 'provider'],
  appointments: ['division'],
};

const HOW = {
  division: 'choose the OnCall division (clinic) for the whole file (CLI --division, API defaults.division) or map a column to it',
  provider: 'choose the OnCall provider for the whole file (CLI --provider, API defaults.provider) or map a column to it',
} as const;

/** The same, said to the person at the command line. */
const HOW_CLI = {
  division: 'choose the clinic with --division <id or URL>, or map a column to it',
  provider: 'choose the provider with --provider <id or URL>, or map a column to it',
} as const;

/** The missing settings as field errors (`defaults.division`...), or null when all are given. */
export function missingSettings(recordType: RecordType, mapping: MappingTemplate, defaults: RunOptions['defaults']): Record<string, string[]> | null {
  const out: Record<string, string[]> = {};
  for (const key of REQUIRED[recordType]) {
    const m = mapping.fields[key];
    const mapped = Boolean(m && (m.column || m.columns?.length || m.constant?.trim() || m.transforms?.some((t) => t.type === 'default' && t.value.trim())));
    if (!mapped && !defaults[key]?.trim()) out[`defaults.${key}`] = [HOW[key]];
  }
  return Object.keys(out).length ? out : null;
}

/** One sentence for people (error body; `cli`: in the command line's words). */
export function missingSettingsMessage(missing: Record<string, string[]>, audience: 'api' | 'cli' = 'api'): string {
  const names = Object.keys(missing).map((k) => k.replace('defaults.', ''));
  const how = audience === 'cli' ? names.map((n) => HOW_CLI[n as keyof typeof HOW_CLI] ?? missing[`defaults.${n}`]!.join('; ')) : Object.values(missing).flat();
  return `no ${names.join(' and no ')} for the rows: ${how.join('; ')}`;
}

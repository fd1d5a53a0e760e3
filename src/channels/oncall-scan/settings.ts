/**
 * Settings of the OnCall contact and appointment scans (issue 9, "Scans"), from the environment.
 *
 * | variable                        | default |
 * |---------------------------------|---------|
 * | EHR_BRIDGE_ONCALL_SCAN_EVERY    | 15m: time between two scans (`30s`, `15m`, `1h`, `1h30m`; `off`: no schedule, `ehr-bridge sync scan` and the API still scan) |
 *
 * OnCall sends no webhooks for roster contacts (oncall-patient-sync-guide, "Using OnCall Health
 * as the system of record"): the schedule is how new and changed contacts are found at all.
 */
export interface OncallScanSettings {
  /** Milliseconds between the end of one scan and the start of the next; null: no schedule. */
  everyMs: number | null;
  /** Delay of the first scheduled scan after start: soon, but after the engine is serving. */
  firstRunDelayMs: number;
}

export const ONCALL_SCAN_ENV = 'EHR_BRIDGE_ONCALL_SCAN_EVERY';
export const DEFAULT_SCAN_EVERY = '15m';

/** Shortest schedule: below it a scan of a large roster would hardly finish before the next. */
const MIN_EVERY_MS = 10_000;
const MAX_EVERY_MS = 7 * 24 * 3600_000;
const UNIT_MS = { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 } as const;

export class OncallScanSettingsError extends Error {
  override name = 'OncallScanSettingsError';
}

/** `30s`, `15m`, `1h`, `1h30m`, `2d` -> ms; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (!/^(\d+(\.\d+)?[smhd])+$/.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)([smhd])/g)) ms += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  return Math.round(ms);
}

export function oncallScanSettings(env: NodeJS.ProcessEnv = process.env, overrides: Partial<OncallScanSettings> = {}): OncallScanSettings {
  const raw = env[ONCALL_SCAN_ENV]?.trim() || DEFAULT_SCAN_EVERY;
  let everyMs: number | null;
  if (['off', 'false', '0', 'no', 'never'].includes(raw.toLowerCase())) everyMs = null;
  else {
    const ms = parseDuration(raw);
    if (ms === undefined) {
      throw new OncallScanSettingsError(`invalid configuration:\n  ${ONCALL_SCAN_ENV}: "${raw}" is not a duration (examples: 30s, 15m, 1h, 1h30m) or off`);
    }
    if (ms < MIN_EVERY_MS || ms > MAX_EVERY_MS) {
      throw new OncallScanSettingsError(`invalid configuration:\n  ${ONCALL_SCAN_ENV}: "${raw}" must be between 10s and 7d (or off)`);
    }
    everyMs = ms;
  }
  return { everyMs, firstRunDelayMs: 5_000, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
}

/** `15 min`, `30 s`, `1 h 30 min` for the Sync page. */
export function durationWords(ms: number): string {
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, secs] of [['d', 86_400], ['h', 3600], ['min', 60], ['s', 1]] as const) {
    if (rest >= secs) {
      parts.push(`${Math.floor(rest / secs)} ${unit}`);
      rest %= secs;
    }
  }
  return parts.join(' ') || '0 s';
}

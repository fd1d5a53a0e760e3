/**
 * What a started run is doing (issue 7, item 1), stored on the run as JSON (migration 0008) so
 * the API's run status, every process and a reloaded page read the same figures:
 * - `preparing`: the engine lists the records already on the platform (the scan of existing
 *   records), `checked` of `total` (the platform's own `count`, known after the first page);
 * - `sending`: the rows are being sent in chunks.
 * Pure module: the web UI imports it too.
 */
export const RUN_PHASES = ['preparing', 'sending'] as const;
export type RunPhase = (typeof RUN_PHASES)[number];

export interface RunProgress {
  phase: RunPhase;
  /** Platform records looked at so far while preparing. */
  checked: number;
  /** The platform's total, from the first page of its listing; null before it answered. */
  total: number | null;
}

export const PREPARING: RunProgress = { phase: 'preparing', checked: 0, total: null };
export const SENDING: RunProgress = { phase: 'sending', checked: 0, total: null };

/** A stored value read back: anything unreadable is "no progress known" (older runs). */
export function parseRunProgress(text: string | null | undefined): RunProgress | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as Partial<RunProgress>;
    if (!v || !(RUN_PHASES as readonly string[]).includes(String(v.phase))) return null;
    const n = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? Math.floor(x) : null);
    return { phase: v.phase as RunPhase, checked: n(v.checked) ?? 0, total: n(v.total) };
  } catch {
    return null;
  }
}

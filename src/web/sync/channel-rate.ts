import { useRef } from 'react';
import type { SyncStatus } from './sync-api.js';

/** How far back the rate looks: long enough to smooth bursts, short enough to show a stop. */
const WINDOW_MS = 60_000;

interface Sample {
  at: number;
  received: Record<string, number>;
}

/**
 * Messages per second of each channel, from the `received` counters of the status polls seen
 * over the last minute (the status carries counters, not rates). Null until two polls are
 * apart, or when a counter went down (the engine restarted).
 */
export function useChannelRates(status: SyncStatus | undefined, now = Date.now()): Record<string, number | null> {
  const samples = useRef<Sample[]>([]);
  const seen = useRef<SyncStatus | undefined>(undefined);
  if (status && status !== seen.current) {
    seen.current = status;
    samples.current.push({ at: now, received: Object.fromEntries(status.channels.map((c) => [c.name, c.received])) });
    samples.current = samples.current.filter((s) => now - s.at <= WINDOW_MS);
  }
  const out: Record<string, number | null> = {};
  const first = samples.current[0];
  const last = samples.current[samples.current.length - 1];
  for (const c of status?.channels ?? []) {
    const a = first?.received[c.name];
    const b = last?.received[c.name];
    const seconds = first && last ? (last.at - first.at) / 1000 : 0;
    out[c.name] = a === undefined || b === undefined || seconds < 1 || b < a ? null : (b - a) / seconds;
  }
  return out;
}

/** "12 a minute", "3.5 a second", "none". */
export function formatMessageRate(perSecond: number | null): string {
  if (perSecond === null) return '–';
  if (perSecond === 0) return 'none';
  if (perSecond >= 1) return `${perSecond >= 10 ? Math.round(perSecond) : perSecond.toFixed(1)} a second`;
  const perMinute = perSecond * 60;
  return `${perMinute >= 10 ? Math.round(perMinute) : perMinute.toFixed(1)} a minute`;
}

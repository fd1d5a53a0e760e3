/** IANA time zones for the selects, browser's own first (computed once). */
let cached: string[] | null = null;

export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export function timeZoneOptions(): string[] {
  if (!cached) {
    const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
    const own = browserTimeZone();
    cached = [own, ...all.filter((z) => z !== own)];
    if (!cached.includes('UTC')) cached.push('UTC');
  }
  return cached;
}

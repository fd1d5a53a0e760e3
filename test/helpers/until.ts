/**
 * Polls `probe` until it returns a truthy value, and returns that value. Tests wait on real
 * processes, sockets and databases, so a probe may fail while the thing it asks is restarting
 * (a dropped connection, a server not listening yet): a rejection counts as "not yet", and the
 * last one is quoted if time runs out.
 */
export async function until<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
  what = 'a condition',
  everyMs = 100,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > end) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

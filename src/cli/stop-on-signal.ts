/**
 * SIGINT/SIGTERM for long-running commands: close, then exit 0; a close that fails or hangs
 * still ends the process, with code 1, so a supervisor's stop never leaves it half-open (the
 * close promise is always handled: no unhandled rejection on the way out).
 */
export function stopOnSignal(close: () => Promise<void>, graceMs = 15_000): void {
  const stop = () => {
    const timer = setTimeout(() => {
      process.stderr.write('ehr-bridge: shutdown took too long, exiting\n');
      process.exit(1);
    }, graceMs);
    timer.unref();
    close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`ehr-bridge: shutdown failed: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

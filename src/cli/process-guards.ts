import type { Logger } from 'pino';

/**
 * Last-resort handlers for the long-running server (issue 6, item 3). Every promise in the
 * engine is meant to be awaited or caught; these are for the one that slips through.
 *
 * - An unhandled promise rejection is logged and the server keeps serving: it is one failed
 *   piece of work (a write refused because another process held the database, a socket that
 *   closed), not a broken process, and ending the process would drop every request and job in
 *   flight for it. Node's default (since v15) is to crash.
 * - An uncaught exception means the process state is unknown: it is logged and the process
 *   exits with code 1 at once, so the supervisor (systemd, Docker, Kubernetes) restarts it.
 *   The queue's leases and the recorded intents make a restart resume where it stopped.
 *
 * What is logged: the error's name, code, a shortened message and the stack frames. Errors in
 * this engine do not carry patient data in their messages; the message is still cut short.
 */
export function installProcessGuards(logger: Logger, exit: (code: number) => void = (c) => process.exit(c)): () => void {
  const onRejection = (reason: unknown) => {
    logger.error({ err: describe(reason) }, 'unhandled promise rejection (the server keeps running)');
  };
  const onException = (err: unknown) => {
    logger.fatal({ err: describe(err) }, 'uncaught exception: exiting with code 1 for the supervisor to restart');
    // pino writes synchronously to stdout by default, so the line is out before the exit.
    exit(1);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}

function describe(e: unknown): { name?: string; code?: string; message: string; frames?: string } {
  if (!(e instanceof Error)) return { message: typeof e === 'string' ? e.slice(0, 300) : typeof e };
  const frames = e.stack
    ?.split('\n')
    .filter((l) => l.trimStart().startsWith('at '))
    .slice(0, 10)
    .join('\n');
  return { name: e.name, code: (e as NodeJS.ErrnoException).code, message: e.message.slice(0, 300), ...(frames ? { frames } : {}) };
}

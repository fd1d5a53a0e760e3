import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * The one structured logger. Patient data never goes in: log ids, counts, statuses and
 * error codes, never names, birth dates, e-mails, phones or document bytes. The redact list
 * is a safety net for fields that carry PHI in our payloads, not a licence to log records.
 */
export const PHI_REDACT_PATHS = [
  '*.name', '*.first_name', '*.last_name', '*.email', '*.phone', '*.date_of_birth', '*.birthDate',
  '*.payload', '*.record', '*.body', '*.row', 'req.body', 'res.body',
];

export function createLogger(opts: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  const level = opts.level ?? process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
  const options = {
    name: opts.name ?? 'ehr-bridge',
    level,
    redact: { paths: PHI_REDACT_PATHS, censor: '[redacted]' },
  };
  // A destination other than stdout: tests read the lines the engine would write.
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

export type { Logger };

/**
 * The HTTP server's logger: the engine's, at `warn` or above. Fastify's own info lines
 * ("Server listening at ...") would come before the start-up banner on stdout; everything we
 * log about requests is an error or a warning.
 */
export function httpLogger(logger: Logger): Logger {
  return logger.levelVal >= logger.levels.values.warn! ? logger : logger.child({}, { level: 'warn' });
}

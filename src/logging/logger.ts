import { pino, type DestinationStream, type Logger } from 'pino';
import { processLogSettings } from './log-settings.js';
import { textDestination } from './text-destination.js';

/**
 * The one structured logger. Patient data never goes in: log ids, counts, statuses and
 * error codes, never names, birth dates, e-mails, phones or document bytes. The redact list
 * is a safety net for fields that carry PHI in our payloads, not a licence to log records.
 */
export const PHI_REDACT_PATHS = [
  '*.name', '*.first_name', '*.last_name', '*.email', '*.phone', '*.date_of_birth', '*.birthDate',
  '*.payload', '*.record', '*.body', '*.row', 'req.body', 'res.body',
];

/**
 * Where and how lines go is the process's choice (log-settings.ts: JSON on stdout for the
 * server, text on stderr for one-shot commands, LOG_FORMAT to override); `destination` wins
 * (tests read the lines the engine would write).
 */
export function createLogger(opts: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  const settings = processLogSettings();
  let level = opts.level ?? process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
  if (settings.floor && !process.env.LOG_LEVEL && levelValue(level) < levelValue(settings.floor)) level = settings.floor;
  const options = {
    name: opts.name ?? 'ehr-bridge',
    level,
    redact: { paths: PHI_REDACT_PATHS, censor: '[redacted]' },
  };
  if (opts.destination) return pino(options, opts.destination);
  if (settings.format === 'text') return pino(options, textDestination(settings.stream === 'stderr' ? process.stderr : process.stdout));
  return settings.stream === 'stderr' ? pino(options, pino.destination({ fd: 2, sync: true })) : pino(options);
}

function levelValue(level: string): number {
  return level === 'silent' ? Infinity : (pino.levels.values[level] ?? 0);
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

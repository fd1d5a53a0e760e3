/**
 * How this process logs, decided once at start (no dependencies, so the CLI reads it before it
 * loads anything heavy).
 *
 * - The server (`serve`, `sandbox`): JSON lines on stdout from `info` up, for a log collector.
 * - One-shot commands (`import`, `api-keys`, `clients`): their output is for a person, so logs
 *   go to stderr, as plain text, and only warnings and errors unless LOG_LEVEL asks for more;
 *   stdout keeps the command's own output (and `--json`'s one object) clean.
 * - `LOG_FORMAT=json` gives JSON lines in both cases; `LOG_FORMAT=text` plain text in both.
 */
export const LOG_FORMATS = ['json', 'text'] as const satisfies readonly string[];
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface ProcessLogSettings {
  /** Unless LOG_LEVEL is set, nothing below this level is written (whatever the code asks for). */
  readonly floor?: 'warn';
  readonly format: LogFormat;
  readonly stream: 'stdout' | 'stderr';
}

const SERVER: ProcessLogSettings = { format: 'json', stream: 'stdout' };
const COMMAND_LINE: ProcessLogSettings = { floor: 'warn', format: 'text', stream: 'stderr' };

let current: ProcessLogSettings = SERVER;

/** For a one-shot CLI command: see above. */
export function useCommandLineLogging(): void {
  current = COMMAND_LINE;
}

export function processLogSettings(env: NodeJS.ProcessEnv = process.env): ProcessLogSettings {
  const format = parseLogFormat(env.LOG_FORMAT);
  return format ? { ...current, format } : current;
}

/** LOG_FORMAT: unset or empty means the process's default; anything else but json/text is refused. */
export function parseLogFormat(value: string | undefined): LogFormat | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim().toLowerCase();
  if ((LOG_FORMATS as readonly string[]).includes(v)) return v as LogFormat;
  throw new Error(`LOG_FORMAT must be ${LOG_FORMATS.join(' or ')}, not "${value}"`);
}

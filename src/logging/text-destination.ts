import type { DestinationStream } from 'pino';

const LEVEL_WORDS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warning', 50: 'error', 60: 'fatal error' };
/** pino's own keys, and the process name: not news to the person reading. */
const QUIET_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'v']);

/**
 * One pino JSON line as a line for a person: `ehr-bridge: warning: FHIR export reported errors
 * (partner=fhir-emr, op=export, errorFiles=1)`. pino has already applied the PHI redaction by
 * the time the line gets here.
 */
export function formatLogLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const level = LEVEL_WORDS[Number(o.level)] ?? 'log';
  const details = Object.entries(o)
    .filter(([k]) => !QUIET_KEYS.has(k))
    .map(([k, v]) => `${k}=${describe(v)}`);
  return `ehr-bridge: ${level}: ${typeof o.msg === 'string' ? o.msg : ''}${details.length ? ` (${details.join(', ')})` : ''}\n`;
}

function describe(v: unknown): string {
  if (v && typeof v === 'object' && 'message' in v && typeof (v as { message: unknown }).message === 'string') {
    return (v as { message: string }).message;
  }
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** A pino destination writing human lines to a stream (synchronously, like pino's default). */
export function textDestination(stream: { write(s: string): unknown }): DestinationStream {
  return { write: (line: string) => void stream.write(formatLogLine(line)) };
}

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseLogFormat } from './log-settings.js';
import { PHI_REDACT_PATHS } from './logger.js';
import { formatLogLine, textDestination } from './text-destination.js';

describe('log lines for a person (CLI commands)', () => {
  it('says the level in words, the message, then the details, with an error as its message', () => {
    const line = JSON.stringify({ level: 40, time: 1, pid: 2, hostname: 'h', name: 'fhir-reader', msg: 'FHIR export reported errors', partner: 'fhir-emr', errorFiles: 1, err: { type: 'Error', message: 'HTTP 500', stack: 'Error: HTTP 500\n    at x' } });
    expect(formatLogLine(line)).toBe('ehr-bridge: warning: FHIR export reported errors (partner=fhir-emr, errorFiles=1, err=HTTP 500)\n');
    expect(formatLogLine(JSON.stringify({ level: 30, msg: 'FHIR export ready' }))).toBe('ehr-bridge: info: FHIR export ready\n');
  });

  it('keeps the redaction of patient data: pino redacts before the line is turned into text', () => {
    const lines: string[] = [];
    const log = pino({ redact: { paths: PHI_REDACT_PATHS, censor: '[redacted]' } }, textDestination({ write: (s: string) => lines.push(s) }));
    log.warn({ contact: { email: 'ann@example.org', id: 'c1' } }, 'contact refused');
    expect(lines).toEqual(['ehr-bridge: warning: contact refused (contact={"email":"[redacted]","id":"c1"})\n']);
  });

  it('LOG_FORMAT takes json or text (any case); unset or empty is the default; anything else is refused', () => {
    expect(parseLogFormat(undefined)).toBeUndefined();
    expect(parseLogFormat(' ')).toBeUndefined();
    expect(parseLogFormat('JSON')).toBe('json');
    expect(parseLogFormat('text')).toBe('text');
    expect(() => parseLogFormat('pretty')).toThrow('LOG_FORMAT must be json or text, not "pretty"');
  });
});

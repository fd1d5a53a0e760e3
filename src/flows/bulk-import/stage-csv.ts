import type { Readable } from 'node:stream';
import { parseCsvStream } from './csv/parse-csv-stream.js';
import type { MappingTemplate } from './mapping/template.js';
import type { StagingEvent } from './stage-rows.js';
import { createFileValidator } from './validation/file-validator.js';

/**
 * CSV file → staging events: the streaming parser (server side, bounded memory) feeds the
 * same file validator the browser uses, so both give the same verdict on every row. File-level
 * problems (empty, not a CSV, columns missing for the mapping) end the staging as `fatal`.
 */
export async function* csvStagingEvents(input: Readable | AsyncIterable<Uint8Array>, template: MappingTemplate): AsyncGenerator<StagingEvent> {
  const validator = createFileValidator(template, template.recordType);
  let sawHeader = false;
  let rows = 0;
  try {
    for await (const ev of parseCsvStream(input)) {
      if (ev.kind === 'header') {
        sawHeader = true;
        const issues = validator.header(ev.columns);
        if (issues.length) {
          yield {
            kind: 'fatal',
            message: issues.map((i) => i.message).join('; '),
            fieldErrors: Object.fromEntries(issues.map((i) => [i.code, [...i.columns]])),
          };
          return;
        }
      } else if (ev.kind === 'row') {
        rows++;
        const v = validator.row({ line: ev.line, cells: ev.cells });
        yield { kind: 'row', line: v.line, key: v.key, record: v.record, errors: v.errors, ok: v.ok };
      } else if (ev.kind === 'row-error') {
        rows++;
        yield { kind: 'row-error', line: ev.line, code: ev.code, message: ev.message };
      } else if (ev.kind === 'fatal') {
        yield { kind: 'fatal', message: ev.message, ...(ev.columns?.length ? { fieldErrors: { [ev.code]: [...ev.columns] } } : {}) };
        return;
      }
    }
  } catch (e) {
    yield { kind: 'fatal', message: (e as Error).message };
    return;
  }
  if (!sawHeader) yield { kind: 'fatal', message: 'the file is empty' };
  else if (rows === 0) yield { kind: 'fatal', message: 'the file has a header but no rows' };
}

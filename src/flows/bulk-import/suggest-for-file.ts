import type { Readable } from 'node:stream';
import type { RecordType } from '../../domain/identifiers.js';
import { parseCsvStream } from './csv/parse-csv-stream.js';
import { suggestMapping } from './mapping/suggest-mapping.js';
import type { MappingTemplate } from './mapping/template.js';

/** The suggested mapping for a file, from its header and first rows (the CLI without --mapping). */
export async function suggestedTemplateForFile(input: Readable, recordType: RecordType, sampleSize = 50): Promise<MappingTemplate> {
  let header: string[] | undefined;
  const samples: string[][] = [];
  try {
    for await (const ev of parseCsvStream(input)) {
      if (ev.kind === 'fatal') throw new Error(ev.message);
      if (ev.kind === 'header') header = [...ev.columns];
      else if (ev.kind === 'row') samples.push([...ev.cells]);
      if (samples.length >= sampleSize) break;
    }
  } finally {
    input.destroy();
  }
  if (!header) throw new Error('the file is empty or has no header row');
  return suggestMapping(header, recordType, samples).template;
}

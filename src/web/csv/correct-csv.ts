/**
 * Writes the file again with the cells corrected on the page, as a new CSV file: the wizard
 * then checks it and sends it like any chosen file, and the server checks every line again
 * (it never trusts the browser). Streams the file (bounded memory besides the output itself),
 * keeps the delimiter, the header and the line numbers (a blank line stays a blank line), and
 * leaves every cell that was not corrected as it was read.
 */
import { stringify } from 'csv-stringify/browser/esm/sync';
import { readCsvStream } from './read-csv-stream.js';

/** Corrections by line number, then by file column name. */
export type Corrections = ReadonlyMap<number, ReadonlyMap<string, string>>;

type Reader = Parameters<typeof readCsvStream>[0];

export async function correctedCsv(file: Blob, corrections: Corrections): Promise<Blob> {
  return new Blob(await correctedCsvParts(file.stream().getReader(), corrections), { type: 'text/csv' });
}

/** The corrected text in parts (exported for tests, which feed bytes without a Blob). */
export async function correctedCsvParts(reader: Reader, corrections: Corrections): Promise<string[]> {
  const parts: string[] = [];
  let delimiter = ',';
  let header: string[] = [];
  /** Physical lines written so far. */
  let written = 0;
  const write = (cells: string[]) => {
    const text = stringify([cells], { delimiter, record_delimiter: '\n' });
    parts.push(text);
    written += text.split('\n').length - 1;
  };
  await readCsvStream(reader, {
    onHeader(h, sniff) {
      delimiter = sniff.delimiter;
      header = h;
      write(h);
    },
    onRows(rows) {
      for (const row of rows) {
        while (written + 1 < row.line) {
          parts.push('\n');
          written++;
        }
        const fix = corrections.get(row.line);
        if (!fix) {
          write(row.cells);
          continue;
        }
        const cells = [...row.cells];
        for (const [column, value] of fix) {
          const at = header.indexOf(column);
          if (at >= 0) cells[at] = value;
        }
        write(cells);
      }
    },
  });
  return parts;
}

/** "patients.csv" → "patients (corrected).csv"; a second correction keeps one suffix. */
export function correctedFileName(name: string): string {
  const m = /^(.*?)(?: \(corrected\))?(\.[^.]*)?$/.exec(name);
  return `${m?.[1] ?? name} (corrected)${m?.[2] ?? '.csv'}`;
}

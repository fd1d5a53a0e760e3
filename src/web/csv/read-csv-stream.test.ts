import { describe, expect, it } from 'vitest';
import { readCsvStream, type CsvRow } from './read-csv-stream.js';
import type { CsvSniff } from './sniff.js';

/** A reader that hands out `bytes` in pieces of `size`, like a Blob stream does. */
function chunked(bytes: Uint8Array, size: number) {
  let at = 0;
  return {
    read: async () => {
      if (at >= bytes.byteLength) return { done: true, value: undefined };
      const value = bytes.subarray(at, at + size);
      at += size;
      return { done: false, value };
    },
  };
}

async function readAll(bytes: Uint8Array, size: number) {
  const rows: CsvRow[] = [];
  let header: string[] = [];
  let sniff: CsvSniff | null = null;
  const result = await readCsvStream(chunked(bytes, size), {
    onHeader: (h, s) => {
      header = h;
      sniff = s;
    },
    onRows: (batch) => {
      rows.push(...batch);
    },
  });
  return { rows, header, sniff: sniff as CsvSniff | null, result };
}

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('readCsvStream', () => {
  it('keeps characters split across chunks and quoted line breaks, numbering physical lines', async () => {
    const text = 'Id,FIRST,NOTE\r\n1,Zoë,"two\r\nlines"\r\n\r\n2,Ærøskøbing,"a ""quote"""\r\n';
    for (const size of [1, 2, 3, 7, 64 * 1024]) {
      const { rows, header, sniff } = await readAll(utf8(text), size);
      expect(header).toEqual(['Id', 'FIRST', 'NOTE']);
      expect(sniff?.newline).toBe('\r\n');
      expect(rows).toEqual([
        { line: 2, cells: ['1', 'Zoë', 'two\r\nlines'] },
        { line: 5, cells: ['2', 'Ærøskøbing', 'a "quote"'] },
      ]);
    }
  });

  it('reads a UTF-8 BOM, Windows-1252 bytes and semicolon or tab separators', async () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('Nom;Prénom\nDupont;Éloïse\n')]);
    const a = await readAll(bom, 5);
    expect(a.sniff).toMatchObject({ encoding: 'utf-8', bom: true, delimiter: ';' });
    expect(a.header).toEqual(['Nom', 'Prénom']);
    expect(a.rows[0]?.cells).toEqual(['Dupont', 'Éloïse']);

    // "Prénom\tÉloïse" in Windows-1252: é = 0xE9, É = 0xC9, ï = 0xEF.
    const latin = new Uint8Array([...utf8('Pr'), 0xe9, ...utf8('nom\tx\n'), 0xc9, ...utf8('lo'), 0xef, ...utf8('se\ty')]);
    const b = await readAll(latin, 4);
    expect(b.sniff).toMatchObject({ encoding: 'windows-1252', delimiter: '\t' });
    expect(b.header).toEqual(['Prénom', 'x']);
    expect(b.rows).toEqual([{ line: 2, cells: ['Éloïse', 'y'] }]);
  });

  it('counts rows of a file larger than the sniffing window', async () => {
    const lines = ['id,name'];
    for (let i = 0; i < 20_000; i++) lines.push(`${i},"Name ${i}"`);
    const { rows, result } = await readAll(utf8(lines.join('\n')), 65_536);
    expect(result.rows).toBe(20_000);
    expect(rows.at(-1)).toEqual({ line: 20_001, cells: ['19999', 'Name 19999'] });
  });
});

import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CsvEvent } from './csv-events.js';
import { neutraliseCsvCell } from './formula-cells.js';
import { parseCsvStream, parseCsvStreamBatches, type ParseCsvOptions } from './parse-csv-stream.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

async function collect(input: Uint8Array | Uint8Array[] | string, opts?: ParseCsvOptions): Promise<CsvEvent[]> {
  const chunks = typeof input === 'string' ? [utf8(input)] : Array.isArray(input) ? input : [input];
  const out: CsvEvent[] = [];
  for await (const e of parseCsvStream(Readable.from(chunks.map((c) => Buffer.from(c))), opts)) out.push(e);
  return out;
}
const rows = (events: CsvEvent[]) => events.filter((e) => e.kind === 'row').map((e) => [e.line, ...e.cells]);
const rowErrors = (events: CsvEvent[]) => events.filter((e) => e.kind === 'row-error').map((e) => ({ line: e.line, code: e.code, message: e.message }));
const fatal = (events: CsvEvent[]) => events.find((e) => e.kind === 'fatal');
const header = (events: CsvEvent[]) => events.find((e) => e.kind === 'header');

describe('parseCsvStream: file-level problems', () => {
  it('an empty file (or blank lines only) is fatal "the file is empty"', async () => {
    for (const input of ['', '\n\r\n  \n']) {
      const ev = await collect(input);
      expect(fatal(ev)).toMatchObject({ code: 'empty-file', message: 'the file is empty' });
      expect(rows(ev)).toEqual([]);
    }
  });

  it('a header without rows gives the header then a clear fatal message', async () => {
    const ev = await collect('Id,FIRST,LAST\r\n');
    expect(header(ev)).toMatchObject({ columns: ['Id', 'FIRST', 'LAST'] });
    expect(fatal(ev)).toMatchObject({ code: 'no-rows', message: 'the file has a header line but no data rows' });
    expect(rows(ev)).toEqual([]);
  });

  it('sniffs ; and tab, and suggests the right delimiter when a wrong one is forced', async () => {
    expect(rows(await collect('a;b;c\n1;2,5;3\n'))).toEqual([[2, '1', '2,5', '3']]);
    expect(rows(await collect('a\tb\n1\t2\n'))).toEqual([[2, '1', '2']]);
    const ev = await collect('Id;First;Last\n1;Ann;Lee\n2;Bob;Roy\n', { delimiter: ',' });
    expect(fatal(ev)).toMatchObject({
      code: 'wrong-delimiter', suggestedDelimiter: ';',
      message: 'the header reads as a single column with the delimiter ","; the file seems to use ";"',
    });
    expect(rows(ev)).toEqual([]);
  });

  it('rejects files that are not CSV text: PDF, ZIP/xlsx, PNG, NUL bytes', async () => {
    const cases: [Uint8Array, RegExp][] = [
      [utf8('%PDF-1.7\n%âãÏÓ\n1 0 obj'), /PDF document/],
      [new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 6, 0]), /Excel \.xlsx/],
      [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), /PNG image/],
      [utf8('id,name\n1,a\u0000b\n'), /NUL bytes/],
    ];
    for (const [bytes, why] of cases) {
      const ev = await collect(bytes);
      expect(ev).toHaveLength(1);
      expect(fatal(ev)?.code).toBe('not-text');
      expect(fatal(ev)?.message).toMatch(/^not a CSV text file: /);
      expect(fatal(ev)?.message).toMatch(why);
    }
  });

  it('duplicate column names are fatal and named', async () => {
    const ev = await collect('Id,Name,Email,Name,,\n1,a,b,c,,\n');
    expect(fatal(ev)).toMatchObject({ code: 'duplicate-columns', columns: ['Name'], message: 'the header repeats the column names "Name"' });
    expect(rows(ev)).toEqual([]);
  });

  it('columns the mapping needs but the header lacks are fatal and named; case/spacing differences are fine', async () => {
    const ev = await collect('Id,FIRST\n1,Ann\n', { requiredColumns: ['id', 'FIRST', 'LAST', 'BIRTHDATE'] });
    expect(fatal(ev)).toMatchObject({
      code: 'missing-columns', columns: ['LAST', 'BIRTHDATE'],
      message: 'the header lacks the columns "LAST", "BIRTHDATE" that the mapping reads',
    });
    expect(rows(ev)).toEqual([]);
    expect(rows(await collect('Patient ID,First\n1,Ann\n', { requiredColumns: ['patient_id', 'FIRST'] }))).toEqual([[2, '1', 'Ann']]);
  });
});

describe('parseCsvStream: text encodings and line breaks', () => {
  it('strips a UTF-8 BOM from the first column name', async () => {
    const ev = await collect(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('Id,Prénom\n1,Élodie\n')]));
    expect(header(ev)).toMatchObject({ columns: ['Id', 'Prénom'], encoding: 'utf-8' });
    expect(rows(ev)).toEqual([[2, '1', 'Élodie']]);
  });

  it('reads CRLF, LF and CR files with the same rows and line numbers', async () => {
    for (const nl of ['\r\n', '\n', '\r']) {
      const ev = await collect(['id,name', '1,Ann', '', '2,Bob', ''].join(nl));
      expect(rows(ev)).toEqual([[2, '1', 'Ann'], [4, '2', 'Bob']]);
      expect(header(ev)?.lineBreak).toBe(nl === '\r\n' ? 'crlf' : nl === '\n' ? 'lf' : 'cr');
    }
  });

  it('decodes Windows-1252 (é, ü, €) detected from the bytes', async () => {
    // "id;nom;note\n1;Müller;café 5€\n" in Windows-1252
    const bytes = new Uint8Array([...utf8('id;nom;note\n1;M'), 0xfc, ...utf8('ller;caf'), 0xe9, ...utf8(' 5'), 0x80, 0x0a]);
    const ev = await collect(bytes);
    expect(header(ev)).toMatchObject({ encoding: 'windows-1252', delimiter: ';' });
    expect(rows(ev)).toEqual([[2, '1', 'Müller', 'café 5€']]);
  });

  it('switches to Windows-1252 when the first non-ASCII byte comes after the sniffed start', async () => {
    const ascii = utf8(`id,name\n${'1,Ann\n'.repeat(20)}`);
    const late = new Uint8Array([...utf8('2,Ren'), 0xe9, 0x0a]);
    const ev = await collect([ascii, late], { sniffBytes: 16 });
    expect(ev.find((e) => e.kind === 'notice')).toMatchObject({ code: 'encoding-switched' });
    expect(rows(ev).at(-1)).toEqual([22, '2', 'René']);
  });

  it('reads UTF-16LE with BOM (Excel "Unicode text", tab-separated)', async () => {
    const text = 'Id\tNom\r\n1\tÉlodie\r\n';
    const bytes = new Uint8Array(2 + text.length * 2);
    bytes[0] = 0xff; bytes[1] = 0xfe;
    for (let i = 0; i < text.length; i++) { bytes[2 + 2 * i] = text.charCodeAt(i) & 0xff; bytes[3 + 2 * i] = text.charCodeAt(i) >> 8; }
    const ev = await collect(bytes);
    expect(header(ev)).toMatchObject({ encoding: 'utf-16le', delimiter: '\t', columns: ['Id', 'Nom'] });
    expect(rows(ev)).toEqual([[2, '1', 'Élodie']]);
  });
});

describe('parseCsvStream: records and row errors', () => {
  it('quoted newlines, delimiters and "" escapes; line numbers are the physical start lines', async () => {
    const ev = await collect('id,notes,x\n1,"two\nlines",a\n2,"say ""hi"", ok",b\n3,"three\n\nlines",c\n4,z,d\n');
    expect(rows(ev)).toEqual([
      [2, '1', 'two\nlines', 'a'],
      [4, '2', 'say "hi", ok', 'b'],
      [5, '3', 'three\n\nlines', 'c'],
      [8, '4', 'z', 'd'],
    ]);
  });

  it('an unbalanced quote reports its line and the rest of the file still parses', async () => {
    // Line 3 opens a quote that a later line's quotes "close": csv-parse alone would lose lines 3-6.
    const ev = await collect('id,name,notes\n1,Ann,a\n2,"Lee, Bob,b\n3,Cy,c\n4,Di,"d"\n5,Ed,e\n');
    expect(rowErrors(ev)).toEqual([{ line: 3, code: 'unbalanced-quote', message: expect.stringMatching(/^a quoted cell that starts on this line is not closed properly \(unbalanced quote\)/) }]);
    expect(rows(ev)).toEqual([[2, '1', 'Ann', 'a'], [4, '3', 'Cy', 'c'], [5, '4', 'Di', 'd'], [6, '5', 'Ed', 'e']]);
    // Never closed at all (to EOF), and on the last line.
    const eof = await collect('id,name\n1,"Ann\n2,Bob\n3,Cy\n');
    expect(rowErrors(eof)).toEqual([{ line: 2, code: 'unbalanced-quote', message: expect.stringMatching(/never closed/) }]);
    expect(rows(eof)).toEqual([[3, '2', 'Bob'], [4, '3', 'Cy']]);
    const last = await collect('id,name\n1,Ann\n2,"Bob');
    expect(rowErrors(last).map((e) => e.line)).toEqual([3]);
    expect(rows(last)).toEqual([[2, '1', 'Ann']]);
  });

  it('a quote inside an unquoted cell is a row error, without the cell value in the message', async () => {
    const ev = await collect('id,screen\n1,15" wide\n2,ok\n');
    expect(rowErrors(ev)).toEqual([{ line: 2, code: 'invalid-quote', message: expect.not.stringContaining('wide') }]);
    expect(rows(ev)).toEqual([[3, '2', 'ok']]);
  });

  it('rows with too many or too few cells are row errors; trailing empty cells and blank rows are tolerated', async () => {
    const ev = await collect('a,b,c\n1,2\n1,2,3,4\n1,2,3,,\n,,\n5,6,7\n');
    expect(rowErrors(ev)).toEqual([
      { line: 2, code: 'wrong-cell-count', message: 'the row has 2 cells but the header has 3 columns' },
      { line: 3, code: 'wrong-cell-count', message: 'the row has 4 cells but the header has 3 columns' },
    ]);
    expect(rows(ev)).toEqual([[4, '1', '2', '3'], [6, '5', '6', '7']]);
    expect(ev.at(-1)).toMatchObject({ kind: 'end', rows: 2, rowErrors: 2, blankRows: 1 });
    // Unnamed trailing header columns (spreadsheet exports) are dropped.
    const trailing = await collect('a,b,,\n1,2,,\n3,4\n5,6,x,\n');
    expect(header(trailing)?.columns).toEqual(['a', 'b']);
    expect(rows(trailing)).toEqual([[2, '1', '2'], [3, '3', '4']]);
    expect(rowErrors(trailing)).toEqual([{ line: 4, code: 'wrong-cell-count', message: 'the row has 4 cells but the header has 2 columns' }]);
  });

  it('a cell over the size limit is a row error and parsing continues; so is an over-long line', async () => {
    const big = 'x'.repeat(70_000);
    const ev = await collect(`id,notes\n1,${big}\n2,"${big}"\n3,ok\n`);
    expect(rowErrors(ev)).toEqual([
      { line: 2, code: 'cell-too-large', message: 'the cell in column "notes" is longer than 65536 characters' },
      { line: 3, code: 'cell-too-large', message: 'the cell in column "notes" is longer than 65536 characters' },
    ]);
    expect(rows(ev)).toEqual([[4, '3', 'ok']]);
    const long = await collect(`id,notes\n1,${'y'.repeat(5000)}\n2,ok\n`, { maxRecordChars: 1000 });
    expect(rowErrors(long)).toEqual([{ line: 2, code: 'row-too-long', message: 'the row is longer than 1000 characters; it was skipped' }]);
    expect(rows(long)).toEqual([[3, '2', 'ok']]);
  });

  it('flags formula-looking cells but keeps their values; numbers and phone numbers are not flagged', async () => {
    const ev = await collect('a,b,c,d\n"=HYPERLINK(""x"")",@SUM(A1),+44 7700 900123,-12.5\n-2+3,ok,+cmd|x,\n');
    const r = ev.filter((e) => e.kind === 'row');
    expect(r.map((e) => [e.cells, e.formulaCells])).toEqual([
      [['=HYPERLINK("x")', '@SUM(A1)', '+44 7700 900123', '-12.5'], [0, 1]],
      [['-2+3', 'ok', '+cmd|x', ''], [0, 2]],
    ]);
    expect(neutraliseCsvCell('=HYPERLINK("x")')).toBe('\'=HYPERLINK("x")');
    expect(neutraliseCsvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(neutraliseCsvCell('Ann')).toBe('Ann');
  });

  it('gives the same events whatever the chunking (1-byte chunks split CRLF, "" escapes and UTF-8 sequences)', async () => {
    const text = 'id,name,notes\r\n1,"Lee, ""Ann""","é\r\nü"\r\n2,Bob,€\r\n3,"Cy,c\r\n4,Di,d\r\n';
    const whole = await collect(text);
    const bytes = utf8(text);
    const single = await collect(Array.from(bytes, (b) => new Uint8Array([b])), { sniffBytes: 1 });
    expect(single).toEqual(whole);
    expect(rows(whole)).toEqual([[2, '1', 'Lee, "Ann"', 'é\r\nü'], [4, '2', 'Bob', '€'], [6, '4', 'Di', 'd']]);
    expect(rowErrors(whole).map((e) => e.line)).toEqual([5]);
    // The batch API yields the same events, grouped per chunk.
    const batched: CsvEvent[] = [];
    for await (const b of parseCsvStreamBatches(Readable.from([Buffer.from(bytes)]))) batched.push(...b);
    expect(batched).toEqual(whole);
  });
});

describe('parseCsvStream: large files', () => {
  it('streams a 50 MB file with bounded memory', async () => {
    const line = (i: number) => `${i},Marcell${i % 997},VonRueden${i % 701},19${10 + (i % 90)}-0${1 + (i % 9)}-1${i % 9},${i % 2 ? 'M' : 'F'},patient${i}@example.org,${i % 50 ? 'plain note' : '"note, with a comma"'}\n`;
    const target = 50 * 1024 * 1024;
    async function* source(): AsyncGenerator<Uint8Array> {
      yield utf8('id,first,last,dob,sex,email,notes\n');
      let produced = 0;
      let i = 0;
      while (produced < target) {
        let chunk = '';
        while (chunk.length < 64 * 1024) chunk += line(i++);
        produced += chunk.length;
        yield utf8(chunk);
      }
    }
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let count = 0;
    let lastLine = 0;
    for await (const e of parseCsvStream(source())) {
      if (e.kind === 'row') {
        count++;
        lastLine = e.line;
        if ((count & 0xffff) === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
      } else if (e.kind !== 'header' && e.kind !== 'end') {
        throw new Error(`unexpected ${e.kind}`);
      }
    }
    expect(count).toBeGreaterThan(450_000);
    expect(lastLine).toBe(count + 1);
    // The file is 50 MB; the parser holds a chunk and a pending record, not the file.
    expect(peak - before).toBeLessThan(48 * 1024 * 1024);
  });
});

/**
 * Generates a patients CSV shaped like a Synthea export (Id, FIRST, LAST, BIRTHDATE, GENDER,
 * EMAIL), with a known share of bad lines, for the browser benchmark and load tests.
 * Deterministic: the same arguments give the same bytes.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const FIRST = ['Marcell', 'Damien', 'Eustolia', 'Rosalind', 'Joaquin', 'Hye', 'Amara', 'Tobias', 'Ines', 'Kofi'];
const LAST = ['VonRueden', 'Schinner', 'Okafor', 'Lindqvist', 'Moreau', 'Haddad', 'Novak', 'Tanaka', 'Reyes', 'Byrne'];

export interface GeneratedFile {
  path: string;
  rows: number;
  /** Lines (1 = header) that must be reported as problems. */
  badLines: number[];
}

/** Every `badEvery`-th row gets a broken e-mail (odd ones) or an impossible birth date (even ones). */
export async function writePatientsCsv(path: string, rows: number, badEvery = 1000): Promise<GeneratedFile> {
  const out = createWriteStream(path);
  const badLines: number[] = [];
  let buf = 'Id,FIRST,LAST,BIRTHDATE,GENDER,EMAIL\n';
  for (let i = 1; i <= rows; i++) {
    const first = `${FIRST[i % FIRST.length]}${(i * 7) % 1000}`;
    const last = `${LAST[(i * 3) % LAST.length]}${(i * 13) % 1000}`;
    const year = 1930 + (i % 90);
    const month = String(1 + (i % 12)).padStart(2, '0');
    const day = String(1 + (i % 28)).padStart(2, '0');
    let birth = `${year}-${month}-${day}`;
    let email = `${first.toLowerCase()}.${last.toLowerCase()}@example.org`;
    if (i % badEvery === 0) {
      badLines.push(i + 1);
      if ((i / badEvery) % 2 === 1) email = email.replace('@', '.at.');
      else birth = `${year}-02-30`;
    }
    buf += `pat-${i},${first},${last},${birth},${i % 2 ? 'M' : 'F'},${email}\n`;
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  return { path, rows, badLines };
}

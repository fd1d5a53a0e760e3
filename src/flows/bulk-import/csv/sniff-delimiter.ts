/**
 * Delimiter and line-break detection on the first lines of a decoded file. Isomorphic.
 * European Excel writes ';' (the decimal separator is ','), "Unicode text" exports use tabs,
 * some EMRs use '|'. The right delimiter splits the header into several fields and the
 * following lines into the same number.
 */

export const DELIMITER_CANDIDATES = [',', ';', '\t', '|'] as const satisfies readonly string[];

export interface DelimiterGuess {
  readonly delimiter: string;
  /** Fields in the header with this delimiter. */
  readonly fieldsPerLine: number;
  /** Share (0..1) of sampled data lines with as many fields as the header. */
  readonly consistency: number;
}

export type LineBreak = 'crlf' | 'lf' | 'cr';

/** The first line break outside quotes decides: CRLF (Windows), LF, or CR (classic Mac). */
export function detectLineBreak(text: string): LineBreak {
  let inQuote = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) inQuote = !inQuote;
    else if (!inQuote && c === 10) return 'lf';
    else if (!inQuote && c === 13) return text.charCodeAt(i + 1) === 10 ? 'crlf' : 'cr';
  }
  return 'lf';
}

/** Counts each candidate outside quotes, per record, for the first `maxLines` records. */
function countPerLine(text: string, candidates: readonly string[], maxLines: number): number[][] {
  const codes = candidates.map((c) => c.charCodeAt(0));
  const lines: number[][] = [];
  let counts = new Array<number>(candidates.length).fill(0);
  let inQuote = false;
  let empty = true;
  for (let i = 0; i < text.length && lines.length < maxLines; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) { inQuote = !inQuote; empty = false; continue; }
    if (inQuote) continue;
    if (c === 10 || c === 13) {
      if (!empty) lines.push(counts);
      counts = new Array<number>(candidates.length).fill(0);
      empty = true;
      continue;
    }
    empty = false;
    const k = codes.indexOf(c);
    if (k !== -1) counts[k]!++;
  }
  // A last line without a line break may be cut mid-line: used only when it is the only one.
  if (!empty && lines.length === 0) lines.push(counts);
  return lines;
}

/**
 * Picks the delimiter whose header count is > 0 and that most data lines agree with; ties go to
 * more fields, then to the order of `candidates` (',' first). ',' with 1 field when none fits.
 */
export function sniffDelimiter(text: string, candidates: readonly string[] = DELIMITER_CANDIDATES, maxLines = 20): DelimiterGuess {
  const lines = countPerLine(text.length > 65536 ? text.slice(0, 65536) : text, candidates, maxLines);
  let best: DelimiterGuess = { delimiter: candidates[0] ?? ',', fieldsPerLine: 1, consistency: 0 };
  const header = lines[0];
  if (!header) return best;
  candidates.forEach((delimiter, k) => {
    const h = header[k]!;
    if (h === 0) return;
    const data = lines.slice(1);
    const agree = data.filter((l) => l[k] === h).length;
    const consistency = data.length === 0 ? 1 : agree / data.length;
    const fieldsPerLine = h + 1;
    if (best.fieldsPerLine === 1 || consistency > best.consistency
      || (consistency === best.consistency && fieldsPerLine > best.fieldsPerLine)) {
      best = { delimiter, fieldsPerLine, consistency };
    }
  });
  return best;
}

/** Display name of a delimiter in messages ("tab" is invisible otherwise). */
export function delimiterName(d: string): string {
  return d === '\t' ? 'tab' : `"${d}"`;
}

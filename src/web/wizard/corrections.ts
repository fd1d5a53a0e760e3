import { useCallback, useMemo, useState } from 'react';
import type { Corrections } from '../csv/correct-csv.js';
import type { CorrectionEditor } from '../problems/problem-table.js';

/**
 * Cells corrected on the check step, kept beside the file as it was read (an overlay by line
 * and column), until they are written into a corrected file and checked again.
 */
export function useCorrections(): { byLine: Corrections; editor: CorrectionEditor; count: number; clear: () => void } {
  const [byLine, setByLine] = useState<Map<number, Map<string, string>>>(() => new Map());
  const editor = useMemo<CorrectionEditor>(
    () => ({
      get: (line, column) => byLine.get(line)?.get(column),
      set: (line, column, value) =>
        setByLine((prev) => {
          const next = new Map(prev);
          next.set(line, new Map(next.get(line) ?? []).set(column, value));
          return next;
        }),
    }),
    [byLine],
  );
  const count = useMemo(() => [...byLine.values()].reduce((n, m) => n + m.size, 0), [byLine]);
  const clear = useCallback(() => setByLine(new Map()), []);
  return { byLine, editor, count, clear };
}

import type { Xref, XrefStore } from '../../store/repos/xrefs.js';
import { scopedKey } from './scoped-key.js';
import type { ImportTarget, ScanProgress } from './targets/import-target.js';

/**
 * Lists the records the platform has already (`target.scanExisting()`) and, with `remember`,
 * keeps each as cross-references under its key within its division and under its bare key (the
 * last one listed wins that one), written in batches rather than one statement per record.
 * Used by a run's own scan and by the preflight, so both keep them the same way. `onPage` hears
 * how far the platform's listing got (records looked at, of the platform's total).
 */
export async function* scanExisting(
  xrefs: XrefStore,
  target: ImportTarget,
  remember = true,
  onPage?: ScanProgress,
): AsyncGenerator<{ key: string; url: string; scope: string }> {
  let found: Xref[] = [];
  const keep = async () => {
    if (found.length) await xrefs.upsertMany(target.target, target.kind, found);
    found = [];
  };
  for await (const existing of target.scanExisting(onPage)) {
    const { key, url, scope } = existing;
    if (remember) {
      found.push({ sourceKey: scopedKey(key, scope), partnerUrl: url, contentHash: null }, { sourceKey: key, partnerUrl: url, contentHash: null });
      if (found.length >= 500) await keep();
    }
    yield existing;
  }
  await keep();
}

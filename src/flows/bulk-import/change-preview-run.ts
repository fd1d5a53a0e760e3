import type { AppContext } from '../../server/context.js';
import { changePreview, type ChangePreview } from './change-preview.js';
import { mappingTemplateSchema } from './mapping/template.js';
import type { RunOptions } from './run-options.js';
import type { RunRow } from './run-store.js';
import { createImportTarget } from './targets/create-target.js';

/**
 * The preview of one staged run with the engine's own OnCall settings (the wizard's route and
 * `ehr-bridge import --dry-run`). `choices` previews other boxes than the run's own (the
 * wizard's "update existing" and "move them" before the start); `scan: false` trusts the
 * cross-references a preflight just kept instead of listing the platform again.
 */
export async function previewOfRun(
  ctx: Pick<AppContext, 'store' | 'config' | 'oncall' | 'oncallTarget' | 'imports'>,
  run: RunRow,
  opts: { choices?: Partial<Pick<RunOptions, 'updateExisting' | 'moveBetweenDivisions'>>; scan?: boolean } = {},
): Promise<ChangePreview> {
  const options: RunOptions = { ...run.options, ...opts.choices };
  const target = createImportTarget(
    { ...run, mapping: mappingTemplateSchema.parse(run.mapping), options },
    {
      oncall: () => ctx.oncall(),
      oncallBaseUrl: () => ctx.oncallTarget().baseUrl,
      emrIdField: ctx.config.oncall.emrIdField,
      emrIdMetadataKey: ctx.config.oncall.emrIdMetadataKey,
    },
  );
  return changePreview(
    { db: ctx.store.db, xrefs: ctx.imports().xrefs, target, ...(opts.scan === undefined ? {} : { scan: opts.scan }) },
    { id: run.id, recordType: run.recordType, options },
  );
}

import { FhirEmrWriter } from '../../partners/fhir-emr/fhir-emr-writer.js';
import { FhirReader } from '../../partners/fhir-emr/fhir-reader.js';
import { sandboxesEnabled } from '../../sandboxes/enabled.js';
import type { AppContext } from '../../server/context.js';
import { backSettings } from '../sync/back-settings.js';
import { syncSettings } from '../sync/settings.js';
import { OncallPlacements } from '../sync/targets/oncall/defaults.js';
import { parseOwners } from './owners.js';
import { ReconcileRuns } from './runs.js';
import { emrFhirBase } from './sources.js';

/**
 * The reconciliation runs of a server process (one registry per AppContext), reading OnCall
 * through the engine's client and the EMR through the configured FHIR server, else the sandbox
 * FHIR EMR on the engine's own port while the sandboxes are served (as the FHIR feed does).
 * Writes to the EMR (pushes of fields OnCall owns, creates of contacts missing in the EMR) go
 * through the FHIR EMR writer when EHR_BRIDGE_EMR_WRITE is `fhir` (the default); with `hl7` or
 * `off` they are refused with 501 and nothing is written.
 */
const registries = new WeakMap<AppContext, ReconcileRuns>();

export class ReconcileNotConfigured extends Error {
  override name = 'ReconcileNotConfigured';
}

export function emrBaseFor(ctx: AppContext): string {
  const base = emrFhirBase(ctx.config, sandboxesEnabled(ctx.config) ? ctx.engineUrl : undefined);
  if (!base) throw new ReconcileNotConfigured('The EMR is not configured: set EHR_BRIDGE_EMR_FHIR_URL (a FHIR R4 server)');
  return base;
}

export function reconcileRuns(ctx: AppContext): ReconcileRuns {
  let runs = registries.get(ctx);
  if (runs) return runs;
  const { emr } = ctx.config;
  runs = new ReconcileRuns({
    db: ctx.store.db,
    oncall: () => ctx.oncall(),
    emrReader: () => new FhirReader({ baseUrl: emrBaseFor(ctx), bearerToken: emr.bearerToken, timeoutMs: emr.timeoutMs, logger: ctx.logger }),
    emrWriter: () => {
      if (backSettings(process.env).write !== 'fhir') return undefined;
      return new FhirEmrWriter({ baseUrl: emrBaseFor(ctx), bearerToken: emr.bearerToken, timeoutMs: emr.timeoutMs, logger: ctx.logger });
    },
    owners: parseOwners(process.env.EHR_BRIDGE_SYNC_OWNERS),
    emrIdField: ctx.config.oncall.emrIdField,
    emrIdMetadataKey: ctx.config.oncall.emrIdMetadataKey,
    placement: (() => {
      let placements: OncallPlacements | undefined;
      return () => {
        placements ??= new OncallPlacements(() => ctx.oncall(), () => ctx.oncallTarget().baseUrl, syncSettings(process.env));
        return placements.placementFor(undefined);
      };
    })(),
    logger: ctx.logger,
  });
  registries.set(ctx, runs);
  return runs;
}

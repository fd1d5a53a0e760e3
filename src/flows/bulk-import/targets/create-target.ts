import type { OncallClient } from '../../../partners/oncall/client.js';
import { mappingTemplateSchema } from '../mapping/template.js';
import type { RunRow } from '../run-store.js';
import type { ImportTarget } from './import-target.js';
import { OncallAppointmentsTarget } from './oncall-appointments.js';
import { OncallContactsTarget } from './oncall-contacts.js';

export interface TargetSettings {
  oncall(): OncallClient;
  oncallBaseUrl(): string;
  emrIdField: string;
  emrIdMetadataKey: string;
}

/** The adapter for a run's (platform, record type). */
export function createImportTarget(run: Pick<RunRow, 'target' | 'recordType' | 'options' | 'mapping'>, s: TargetSettings): ImportTarget {
  if (run.target !== 'oncall') throw new Error(`unknown import target ${run.target}`);
  if (run.recordType === 'contacts') {
    return new OncallContactsTarget(s.oncall(), {
      baseUrl: s.oncallBaseUrl(),
      emrIdField: run.options.emrIdField ?? s.emrIdField,
      // The configured field names the EMR-id label even when this run uses another
      // division's field: that is how records of another clinic are recognised.
      labelFields: [s.emrIdField],
      defaults: run.options.defaults,
    });
  }
  const mapping = mappingTemplateSchema.safeParse(run.mapping);
  return new OncallAppointmentsTarget(s.oncall(), {
    baseUrl: s.oncallBaseUrl(),
    emrIdMetadataKey: mapping.success ? (mapping.data.options?.emrIdMetadataKey ?? s.emrIdMetadataKey) : s.emrIdMetadataKey,
    defaults: run.options.defaults,
    mappingOptions: mapping.success ? (mapping.data.options ?? {}) : {},
  });
}

import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { FHIR_EMR_TYPES } from './fhir-store.js';
import { searchParamsFor } from './search-params.js';

/** Canonical URLs of the Bulk Data operations (https://hl7.org/fhir/uv/bulkdata/). */
export const BULK_DATA = {
  serverCapability: 'http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data',
  systemExport: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export',
  patientExport: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export',
} as const satisfies Record<string, string>;

/** Types that accept create/update (kept small until the sync work needs more). */
export const WRITABLE_TYPES: readonly string[] = ['Patient', 'Appointment'];

/**
 * The CapabilityStatement (https://hl7.org/fhir/R4/capabilitystatement.html), generated from
 * the same tables the routes use, so it lists exactly what this sandbox does.
 */
export function buildCapabilityStatement(
  baseUrl: string,
  opts: { bulkExport: boolean; bearerAuth: boolean; maxCount: number },
): CapabilityStatement {
  const resource: CapabilityStatementRestResource[] = FHIR_EMR_TYPES.map((type) => {
    const writable = WRITABLE_TYPES.includes(type);
    const entry: CapabilityStatementRestResource = {
      type,
      interaction: [
        { code: 'read' },
        { code: 'search-type', documentation: `GET [base]/${type}?... and POST [base]/${type}/_search (form-encoded)` },
        { code: 'vread' },
        { code: 'history-instance' },
        ...(writable ? [{ code: 'create' as const }, { code: 'update' as const }, { code: 'delete' as const }] : []),
      ],
      versioning: 'versioned-update',
      readHistory: true,
      updateCreate: writable,
      // If-None-Exist on create (conditional-create.ts): what makes a retried create safe.
      conditionalCreate: writable,
      conditionalUpdate: false,
      conditionalDelete: 'not-supported',
      searchParam: searchParamsFor(type).map((p) => ({ name: p.name, type: p.type, documentation: p.documentation })),
      ...(type === 'Patient' || type === 'Appointment' ? { documentation: '_sort=_lastUpdated (or -_lastUpdated, _id); rest-hook Subscriptions notify its changes' } : {}),
    };
    if (type === 'Patient' && opts.bulkExport) {
      entry.operation = [{ name: 'export', definition: BULK_DATA.patientExport }];
    }
    return entry;
  });

  return {
    resourceType: 'CapabilityStatement',
    id: 'ehr-bridge-fhir-emr-sandbox',
    status: 'active',
    date: '2026-01-01',
    publisher: 'ehr-bridge',
    kind: 'instance',
    software: { name: 'ehr-bridge FHIR EMR sandbox' },
    implementation: {
      description: `Synthetic FHIR R4 EMR for integration tests; _count default 50, max ${opts.maxCount}; paging via next links only`,
      url: baseUrl,
    },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    ...(opts.bulkExport ? { instantiates: [BULK_DATA.serverCapability] } : {}),
    rest: [
      {
        mode: 'server',
        ...(opts.bearerAuth
          ? { security: { description: 'Every request except GET /metadata needs Authorization: Bearer <token>' } }
          : {}),
        resource: [
          ...resource,
          {
            type: 'Subscription',
            documentation: 'R4 rest-hook on Patient and Appointment; payload application/fhir+json (full resource) or absent (Backport id-only Bundle)',
            interaction: [{ code: 'create' }, { code: 'read' }, { code: 'search-type' }, { code: 'delete' }],
          },
        ],
        ...(opts.bulkExport ? { operation: [{ name: 'export', definition: BULK_DATA.systemExport }] } : {}),
      },
    ],
  };
}

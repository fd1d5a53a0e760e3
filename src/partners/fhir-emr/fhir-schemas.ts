import { z } from 'zod';

/**
 * Shapes the reader relies on, checked at the boundary so a misbehaving server fails with one
 * clear error instead of an undefined deep in a sync job. Loose objects: servers add members.
 */

/** @link https://hl7.org/fhir/R4/bundle.html (searchset: https://hl7.org/fhir/R4/http.html#paging) */
export const SearchBundleSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.literal('searchset'),
  total: z.number().int().nonnegative().optional(),
  link: z.array(z.looseObject({ relation: z.string(), url: z.string().min(1) })).optional(),
  entry: z
    .array(
      z.looseObject({
        fullUrl: z.string().optional(),
        resource: z.looseObject({ resourceType: z.string(), id: z.string().optional() }).optional(),
        search: z.looseObject({ mode: z.string().optional() }).optional(),
      }),
    )
    .optional(),
});
export type SearchBundle = z.infer<typeof SearchBundleSchema>;

/** @link https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status */
export const ExportManifestSchema = z.looseObject({
  transactionTime: z.string(),
  request: z.string(),
  requiresAccessToken: z.boolean(),
  output: z.array(z.looseObject({ type: z.string(), url: z.string().min(1), count: z.number().int().nonnegative().optional() })),
  error: z.array(z.looseObject({ type: z.string(), url: z.string().min(1) })).optional(),
});
export type ExportManifest = z.infer<typeof ExportManifestSchema>;

/** Only what the reader reads from the CapabilityStatement: the advertised operations. */
export const CapabilityStatementSchema = z.looseObject({
  resourceType: z.literal('CapabilityStatement'),
  fhirVersion: z.string().optional(),
  instantiates: z.array(z.string()).optional(),
  rest: z
    .array(
      z.looseObject({
        mode: z.string().optional(),
        operation: z.array(z.looseObject({ name: z.string(), definition: z.string().optional() })).optional(),
        resource: z
          .array(
            z.looseObject({
              type: z.string(),
              operation: z.array(z.looseObject({ name: z.string(), definition: z.string().optional() })).optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});

export const OperationOutcomeCodesSchema = z.looseObject({
  resourceType: z.literal('OperationOutcome'),
  issue: z.array(z.looseObject({ code: z.string().optional() })).optional(),
});

/** What a write's error message may show of an OperationOutcome: issue codes and paths. */
export const OperationOutcomeIssuesSchema = z.looseObject({
  resourceType: z.literal('OperationOutcome'),
  issue: z
    .array(
      z.looseObject({
        code: z.string().optional(),
        expression: z.array(z.string()).optional(),
        location: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});

import type { CapabilityStatement, OperationDefinition } from '@medplum/fhirtypes';
import { SEARCH_RULES, MAX_COUNT, type SearchType } from './search-rules.js';

/**
 * `GET /fhir/metadata` (https://hl7.org/fhir/R4/capabilitystatement.html): exactly what this API
 * does: Patient and Encounter read + search (parameters from search-rules.ts), the two
 * CommunicationRequest operations, OAuth 2.0 client credentials. Nothing else is listed.
 */
export const OPERATIONS = {
  sendToEhr: {
    id: 'CommunicationRequest-send-to-ehr',
    code: 'send-to-ehr',
    description: 'Deliver a document (PDF, JPEG, PNG, text) to the EHR of the patient\'s hospital; answers tracking-url and transaction-id.',
    parameters: [
      { name: 'subject', use: 'in', min: 1, max: '1', type: 'Reference', documentation: 'Patient/{id}' },
      { name: 'context', use: 'in', min: 0, max: '1', type: 'Reference', documentation: 'Encounter/{id} of that patient' },
      { name: 'content-type', use: 'in', min: 0, max: '1', type: 'code', documentation: 'application/pdf (default), image/jpeg, image/png, application/txt' },
      { name: 'document-type', use: 'in', min: 0, max: '1', type: 'code', documentation: 'LOINC code (default 11488-4); valueCode or valueCoding' },
      { name: 'document-title', use: 'in', min: 0, max: '1', type: 'string', documentation: 'Default last_name_first_name_birthdate_document_type_identifier' },
      { name: 'sender-identifier', use: 'in', min: 0, max: '1', type: 'string', documentation: 'RPPS number, 11 digits' },
      { name: 'payload', use: 'in', min: 1, max: '1', type: 'base64Binary', documentation: 'The document in base64 (valueString or valueBase64Binary)' },
      { name: 'tracking-url', use: 'out', min: 1, max: '1', type: 'string', documentation: 'GET it to follow the delivery' },
      { name: 'transaction-id', use: 'out', min: 1, max: '1', type: 'string', documentation: 'Id of this sending' },
    ],
    instance: false,
    affectsState: true,
  },
  tracking: {
    id: 'CommunicationRequest-tracking',
    code: 'tracking',
    description: 'Delivery status of a sending: a collection Bundle with one Communication per delivery.',
    parameters: [
      { name: 'transaction-id', use: 'in', min: 1, max: '1', type: 'string', documentation: 'From $send-to-ehr' },
      { name: 'return', use: 'out', min: 1, max: '1', type: 'Bundle', documentation: 'Communication per delivery' },
    ],
    instance: false,
    affectsState: false,
  },
} as const;

export function operationDefinition(op: (typeof OPERATIONS)[keyof typeof OPERATIONS], fhirBase: string): OperationDefinition {
  return {
    resourceType: 'OperationDefinition',
    id: op.id,
    url: `${fhirBase}/OperationDefinition/${op.id}`,
    name: op.code.replace(/-/g, '_'),
    status: 'active',
    kind: 'operation',
    code: op.code,
    description: op.description,
    affectsState: op.affectsState,
    resource: ['CommunicationRequest'],
    system: false,
    type: true,
    instance: op.instance,
    parameter: op.parameters.map((p) => ({ ...p })),
  };
}

export function capabilityStatement(fhirBase: string, tokenUrl: string): CapabilityStatement {
  const searchResource = (type: SearchType, scopes: string) => ({
    type,
    documentation: `Read and search, served from the connected EMR. Needs ${scopes}. A search needs at least one criterion (422 otherwise); _count at most ${MAX_COUNT}.`,
    interaction: [{ code: 'read' as const }, { code: 'search-type' as const }],
    searchParam: [
      ...Object.entries(SEARCH_RULES[type]).map(([name, rule]) => ({ name, type: rule.type, documentation: rule.documentation })),
      { name: '_count', type: 'number' as const, documentation: `Page size, at most ${MAX_COUNT}` },
    ],
  });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-21',
    publisher: 'ehr-bridge',
    kind: 'instance',
    software: { name: 'ehr-bridge', version: '0.1.0' },
    implementation: { description: 'ehr-bridge FHIR API (Lifen-compatible send-to-EHR)', url: fhirBase },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'application/json'],
    rest: [
      {
        mode: 'server',
        security: {
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'OAuth', display: 'OAuth' }] }],
          description: `OAuth 2.0 client credentials at ${tokenUrl}; send the access token as Authorization: Bearer. Scopes: SEND_TO_EHR, PATIENT_GAM_SEARCH.`,
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [{ url: 'token', valueUri: tokenUrl }],
            },
          ],
        },
        resource: [
          searchResource('Patient', 'PATIENT_READ / PATIENT_SEARCH (scope PATIENT_GAM_SEARCH)'),
          searchResource('Encounter', 'ENCOUNTER_READ / ENCOUNTER_SEARCH (scope PATIENT_GAM_SEARCH)'),
          {
            type: 'CommunicationRequest',
            documentation: 'Document delivery operations only (scope SEND_TO_EHR).',
            operation: [OPERATIONS.sendToEhr, OPERATIONS.tracking].map((op) => ({
              name: op.code,
              definition: `${fhirBase}/OperationDefinition/${op.id}`,
              documentation: op.description,
            })),
          },
          { type: 'OperationDefinition', interaction: [{ code: 'read' }], documentation: 'The definitions of the two operations.' },
        ],
      },
    ],
  };
}

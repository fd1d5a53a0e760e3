/**
 * Identifier systems this sandbox EMR stamps on its records. They play the part of a real
 * EMR's local namespaces (an MRN assigning authority, a visit-number system); a client must
 * treat them as opaque URIs. Change them here only: tests and the README read these constants.
 */
export const FHIR_EMR_SYSTEMS = {
  mrn: 'urn:ehr-bridge:sandbox:fhir-emr:mrn',
  visitNumber: 'urn:ehr-bridge:sandbox:fhir-emr:visit-number',
  appointmentId: 'urn:ehr-bridge:sandbox:fhir-emr:appointment-id',
  providerId: 'urn:ehr-bridge:sandbox:fhir-emr:provider-id',
  /** Synthea's SSN column holds fake 999-xx-xxxx numbers; kept because real exports carry it. */
  ssn: 'http://hl7.org/fhir/sid/us-ssn',
  serviceType: 'http://terminology.hl7.org/CodeSystem/service-type',
  appointmentType: 'http://terminology.hl7.org/CodeSystem/v2-0276',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  identifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  maritalStatus: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
} as const satisfies Record<string, string>;

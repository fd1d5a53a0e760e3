import type { Patient, Practitioner } from '@medplum/fhirtypes';
import { FHIR_EMR_SYSTEMS } from './identifier-systems.js';
import type { Prng } from './prng.js';
import type { SyntheaPatientRow, SyntheaProviderRow } from './seed-csv.js';

const MARITAL_DISPLAY = { M: 'Married', S: 'Never Married', D: 'Divorced', W: 'Widowed' } as const satisfies Record<
  string,
  string
>;

/** The sandbox MRN for the n-th CSV row (1-based): stable as long as the file's order is. */
export function mrnFor(rowNumber: number): string {
  return `MRN${String(rowNumber).padStart(6, '0')}`;
}

function gender(code: string): 'male' | 'female' | 'unknown' {
  if (code === 'M') return 'male';
  if (code === 'F') return 'female';
  return 'unknown';
}

/**
 * Maps one Synthea patient row to a FHIR R4 Patient (https://hl7.org/fhir/R4/patient.html).
 * Names are kept exactly as exported, numeric suffixes included: that is what a real Synthea
 * EMR export contains and downstream mapping must cope with it.
 *
 * The CSV has no phone or e-mail columns. So that `phone`/`email` searches and telecom mapping
 * can be exercised, a deterministic subset of patients gets a synthetic phone from Ofcom's
 * drama range (+44 7700 900000-900999, never assigned to a real line) and an @example.com
 * address. Documented in the sandbox README.
 */
export function patientFromRow(
  row: SyntheaPatientRow,
  rowNumber: number,
  prng: Prng,
  generalPractitioner: Practitioner | undefined,
  lastUpdated: string,
): Patient {
  const identifier: NonNullable<Patient['identifier']> = [
    {
      use: 'usual',
      type: { coding: [{ system: FHIR_EMR_SYSTEMS.identifierType, code: 'MR', display: 'Medical record number' }] },
      system: FHIR_EMR_SYSTEMS.mrn,
      value: mrnFor(rowNumber),
    },
  ];
  if (row.SSN) {
    identifier.push({
      type: { coding: [{ system: FHIR_EMR_SYSTEMS.identifierType, code: 'SS', display: 'Social Security number' }] },
      system: FHIR_EMR_SYSTEMS.ssn,
      value: row.SSN,
    });
  }

  const official: NonNullable<Patient['name']>[number] = { use: 'official', family: row.LAST, given: [row.FIRST] };
  if (row.PREFIX) official.prefix = [row.PREFIX];
  if (row.SUFFIX) official.suffix = [row.SUFFIX];
  const name: NonNullable<Patient['name']> = [official];
  if (row.MAIDEN) name.push({ use: 'maiden', family: row.MAIDEN, given: [row.FIRST] });

  const telecom: NonNullable<Patient['telecom']> = [];
  // Draw both numbers unconditionally so each patient consumes the same amount of randomness.
  const hasPhone = prng.chance(0.7);
  const hasEmail = prng.chance(0.55);
  if (hasPhone && rowNumber <= 1000) {
    telecom.push({ system: 'phone', value: `+44 7700 900${String(rowNumber - 1).padStart(3, '0')}`, use: 'mobile' });
  }
  if (hasEmail) {
    const local = `${row.FIRST}.${row.LAST}`.toLowerCase().replace(/[^a-z0-9.]/g, '');
    telecom.push({ system: 'email', value: `${local}@example.com`, use: 'home' });
  }

  const patient: Patient = {
    resourceType: 'Patient',
    id: row.Id,
    meta: { versionId: '1', lastUpdated },
    identifier,
    active: true,
    name,
    gender: gender(row.GENDER),
    birthDate: row.BIRTHDATE,
    address: [homeAddress(row)],
  };
  if (telecom.length > 0) patient.telecom = telecom;
  if (row.DEATHDATE) patient.deceasedDateTime = row.DEATHDATE;
  const marital = row.MARITAL as keyof typeof MARITAL_DISPLAY;
  if (marital in MARITAL_DISPLAY) {
    patient.maritalStatus = {
      coding: [{ system: FHIR_EMR_SYSTEMS.maritalStatus, code: marital, display: MARITAL_DISPLAY[marital] }],
    };
  }
  if (generalPractitioner) {
    patient.generalPractitioner = [
      { reference: `Practitioner/${generalPractitioner.id}`, display: practitionerDisplay(generalPractitioner) },
    ];
  }
  return patient;
}

/** Sets only the keys whose value is present, so the JSON has no empty members. */
function compact<T extends object>(value: { [K in keyof T]: T[K] | undefined | '' }): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined && v !== '') out[k] = v;
  return out as T;
}

type Address = NonNullable<Patient['address']>[number];

function homeAddress(row: SyntheaPatientRow): Address {
  return compact<Address>({
    use: 'home',
    line: row.ADDRESS ? [row.ADDRESS] : undefined,
    city: row.CITY,
    district: row.COUNTY,
    postalCode: row.ZIP,
    // This export puts the country in STATE ("UnitedKingdom"); kept as exported.
    country: row.STATE,
    extension:
      row.LAT && row.LON
        ? [
            {
              url: 'http://hl7.org/fhir/StructureDefinition/geolocation',
              extension: [
                { url: 'latitude', valueDecimal: Number(row.LAT) },
                { url: 'longitude', valueDecimal: Number(row.LON) },
              ],
            },
          ]
        : undefined,
  });
}

/** Maps a Synthea provider row ("Given123 Family456") to a FHIR R4 Practitioner. */
export function practitionerFromRow(row: SyntheaProviderRow, lastUpdated: string): Practitioner {
  const parts = row.NAME.trim().split(/\s+/);
  const family = parts.length > 1 ? parts[parts.length - 1] : parts[0];
  const given = parts.length > 1 ? parts.slice(0, -1) : [];
  const practitioner: Practitioner = {
    resourceType: 'Practitioner',
    id: row.Id,
    meta: { versionId: '1', lastUpdated },
    identifier: [{ system: FHIR_EMR_SYSTEMS.providerId, value: row.Id }],
    active: true,
    name: [{ use: 'official', family, given, prefix: ['Dr.'] }],
    gender: gender(row.GENDER),
    address: [
      compact<Address>({
        use: 'work',
        line: row.ADDRESS ? [row.ADDRESS] : undefined,
        city: row.CITY,
        postalCode: row.ZIP,
        country: row.STATE,
      }),
    ],
  };
  if (row.SPECIALITY) practitioner.qualification = [{ code: { text: row.SPECIALITY } }];
  return practitioner;
}

export function practitionerDisplay(p: Practitioner): string {
  const n = p.name?.[0];
  return [...(n?.prefix ?? []), ...(n?.given ?? []), n?.family].filter(Boolean).join(' ');
}

import type { Appointment, Encounter, Patient, Practitioner } from '@medplum/fhirtypes';
import { createPrng } from './prng.js';
import { loadSeedRows } from './seed-csv.js';
import { appointmentsFor, encountersFor } from './seed-activity.js';
import { patientFromRow, practitionerDisplay, practitionerFromRow } from './seed-patients.js';

const DAY_MS = 86_400_000;

export interface SeedResources {
  Patient: Patient[];
  Practitioner: Practitioner[];
  Encounter: Encounter[];
  Appointment: Appointment[];
}

/** UTC midnight of a date: the seed is identical for every start on the same anchor day. */
export function anchorOf(date: string | Date | undefined): number {
  const d = date === undefined ? new Date() : new Date(date);
  if (Number.isNaN(d.getTime())) throw new Error('invalid seed anchor date');
  return Math.floor(d.getTime() / DAY_MS) * DAY_MS;
}

/**
 * Builds the whole seed from the Synthea CSVs. Past/future dates are relative to `anchorMs`
 * so "upcoming appointments" stay upcoming whatever day the sandbox runs; with a fixed anchor
 * the output is byte-for-byte the same on every start.
 */
export function buildSeed(anchorMs: number): SeedResources {
  const rows = loadSeedRows();
  const practitionerStamp = new Date(anchorMs - 400 * DAY_MS).toISOString();
  const practitioners = rows.providers.map((r) => practitionerFromRow(r, practitionerStamp));
  const seed: SeedResources = { Patient: [], Practitioner: practitioners, Encounter: [], Appointment: [] };
  let visit = 0;
  let appt = 0;
  rows.patients.forEach((row, i) => {
    const prng = createPrng(`patient:${row.Id}`);
    const practitioner = practitioners.length > 0 ? prng.pick(practitioners) : undefined;
    const lastUpdated = new Date(anchorMs - prng.int(1, 400) * DAY_MS + prng.int(0, 86_399) * 1000).toISOString();
    const patient = patientFromRow(row, i + 1, prng, practitioner, lastUpdated);
    seed.Patient.push(patient);
    if (!practitioner) return;
    const ctx = {
      patient,
      practitioner,
      practitionerName: practitionerDisplay(practitioner),
      anchorMs,
      nextVisitNumber: () => `V${String(++visit).padStart(7, '0')}`,
      nextAppointmentNumber: () => `APT${String(++appt).padStart(7, '0')}`,
    };
    seed.Encounter.push(...encountersFor(createPrng(`encounters:${row.Id}`), ctx));
    seed.Appointment.push(...appointmentsFor(createPrng(`appointments:${row.Id}`), ctx));
  });
  return seed;
}

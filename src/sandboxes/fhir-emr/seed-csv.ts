import { readFileSync } from 'node:fs';
import Papa from 'papaparse';

/** Columns of Synthea's `patients.csv` export that the sandbox maps (others are ignored). */
export interface SyntheaPatientRow {
  Id: string;
  BIRTHDATE: string;
  DEATHDATE: string;
  SSN: string;
  PREFIX: string;
  FIRST: string;
  LAST: string;
  SUFFIX: string;
  MAIDEN: string;
  MARITAL: string;
  GENDER: string;
  ADDRESS: string;
  CITY: string;
  STATE: string;
  COUNTY: string;
  ZIP: string;
  LAT: string;
  LON: string;
}

/** Columns of Synthea's `providers.csv` export. */
export interface SyntheaProviderRow {
  Id: string;
  ORGANIZATION: string;
  NAME: string;
  GENDER: string;
  SPECIALITY: string;
  ADDRESS: string;
  CITY: string;
  STATE: string;
  ZIP: string;
}

const SEED_DIR = new URL('./seed-data/', import.meta.url);

function readRows<T>(file: string): T[] {
  // papaparse rather than csv-parse: a one-shot parse of a small trusted file at startup, where
  // its speed matters (startup budget < 300 ms) and streaming does not.
  const text = readFileSync(new URL(file, SEED_DIR), 'utf8').replace(/^\uFEFF/, '');
  const result = Papa.parse<T>(text, { header: true, skipEmptyLines: true });
  if (result.errors.length > 0) throw new Error(`seed file ${file}: ${result.errors[0]?.message ?? 'parse error'}`);
  return result.data;
}

// Parsed once per process: a reset re-maps the rows but does not re-read the files.
let cache: { patients: SyntheaPatientRow[]; providers: SyntheaProviderRow[] } | undefined;

export function loadSeedRows(): { patients: SyntheaPatientRow[]; providers: SyntheaProviderRow[] } {
  cache ??= {
    patients: readRows<SyntheaPatientRow>('patients.csv'),
    providers: readRows<SyntheaProviderRow>('providers.csv'),
  };
  return cache;
}

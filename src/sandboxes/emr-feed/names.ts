/**
 * Word lists for the EMR feed's fictitious people, places and resources. A few names carry
 * accents, an apostrophe or a hyphen, as real rosters do: the feed is UTF-8 (MSH-18) and the
 * engine must carry them to OnCall unchanged. No real person is meant.
 */
export const GIVEN_FEMALE = [
  'Amelia', 'Chloé', 'Priya', 'Fatima', 'Hannah', 'Zoë', 'Mei', 'Olivia', 'Sofía', 'Grace',
  'Noor', 'Isabelle', 'Aaliyah', 'Maëlle', 'Keiko', 'Rosa', 'Leah', 'Ingrid', 'Ava', 'Nadia',
] as const;

export const GIVEN_MALE = [
  'Liam', 'Noah', 'José', 'Arjun', 'Mateo', 'Élie', 'Omar', 'Kenji', 'Lucas', 'Ethan',
  'Tariq', 'Owen', 'Björn', 'Samuel', 'Diego', 'Wei', 'Gabriel', 'Felix', 'Malik', 'Henri',
] as const;

export const MIDDLE_INITIALS = ['A', 'B', 'C', 'D', 'E', 'J', 'K', 'L', 'M', 'R', 'S', 'T'] as const;

export const FAMILY = [
  'Tremblay', 'Nguyen', "O'Connor", 'Gagnon', 'Patel', 'Côté', 'Smith-Jones', 'Kowalski', 'Haddad', 'Okafor',
  'Martin', 'Lefebvre', 'Singh', 'Müller', 'Rossi', 'MacDonald', 'Fernández', 'Chen', 'Bouchard', 'Yamamoto',
  'Ahmed', 'Dubois', 'Schmidt', 'Morin', 'Andersson', 'Kaur', 'Lavoie', 'Ivanova', 'Boateng', 'Hughes',
] as const;

export const STREETS = ['Maple Ave', 'King St W', 'Rue Saint-Denis', 'Harbour Rd', 'Elm St', 'Queen St E', 'Bay St', 'Oak Cres'] as const;

export const CITIES = [
  ['Toronto', 'ON', 'M5V 2T6'],
  ['Montréal', 'QC', 'H2X 1Y4'],
  ['Ottawa', 'ON', 'K1P 5J9'],
  ['Halifax', 'NS', 'B3H 1X1'],
  ['Vancouver', 'BC', 'V6B 1A1'],
  ['Calgary', 'AB', 'T2P 2M5'],
] as const;

/** Area codes of the cities above; local numbers are 555-01xx, the range kept for fiction. */
export const AREA_CODES = ['416', '514', '613', '902', '604', '403', '647', '438'] as const;

/** HL7 table 0005 (race), CDC race and ethnicity codes. */
export const RACES = [
  ['2106-3', 'White'],
  ['2028-9', 'Asian'],
  ['2054-5', 'Black or African American'],
  ['1002-5', 'American Indian or Alaska Native'],
  ['2131-1', 'Other Race'],
] as const;

/** HL7 table 0063 (relationship). */
export const RELATIONSHIPS = [
  ['SPO', 'Spouse'],
  ['MTH', 'Mother'],
  ['FTH', 'Father'],
  ['CHD', 'Child'],
  ['SIB', 'Sibling'],
  ['FND', 'Friend'],
] as const;

/** HL7 table 0276 (appointment reason), the codes the engine maps to appointmentType. */
export const APPOINTMENT_REASONS = [
  ['ROUTINE', 'Routine appointment'],
  ['FOLLOWUP', 'A follow up visit'],
  ['CHECKUP', 'A routine check-up'],
  ['WALKIN', 'A walk in appointment'],
] as const;

/** AIS-3 services (local codes). */
export const SERVICES = [
  ['GENCONS', 'General consultation'],
  ['FUP15', 'Follow-up visit'],
  ['MHCOUNS', 'Counselling session'],
  ['PHYSIO', 'Physiotherapy assessment'],
  ['VACC', 'Vaccination'],
] as const;

export const PROVIDERS = [
  ['1001', 'Hart', 'Amelia'],
  ['1002', 'Haddad', 'Omar'],
  ['1003', 'Moreno', 'Lucia'],
  ['1004', 'Watanabe', 'Kenji'],
] as const;

export const ROOMS = ['Room 1', 'Room 2', 'Room 3', 'Consult A', 'Consult B', 'Telehealth'] as const;

export const EQUIPMENT = [
  ['EQ-ECG', 'ECG machine'],
  ['EQ-US', 'Portable ultrasound'],
  ['EQ-VID', 'Video cart'],
] as const;

/** Zones of the simulated clinic: times are written with their UTC offset, as HL7 2.5.1 allows. */
export const CLINIC_TIME_ZONES = ['America/Toronto', 'America/Vancouver', 'America/Halifax', 'Europe/Paris'] as const;

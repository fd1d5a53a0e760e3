import type { CustomField, Division, OncallStore, Provider } from './store.js';

/**
 * The directory a fresh sandbox starts with: divisions, providers with memberships and per
 * division roster custom fields. Ids mirror the seed guide's examples where they show any:
 * field 1 "EMR id" (short text) and, in another division, fields 2 "EMR id" and
 * 6 "Has submitted forms?" (checkbox). Every division also has one deactivated field, since
 * fields are deactivated rather than deleted. All people and addresses are fictitious.
 */

export const SEED_DIVISIONS: readonly Division[] = [
  { id: 1, name: 'Harbourside Family Clinic' },
  { id: 2, name: 'Virtual Care' },
  { id: 3, name: 'Northside Mental Health' },
];

export const SEED_PROVIDERS: readonly Provider[] = [
  { id: 1, fullName: 'Dr. Amelia Hart', email: 'amelia.hart@sandbox-clinic.example', divisionIds: [1, 2] },
  { id: 2, fullName: 'Dr. Omar Haddad', email: 'omar.haddad@sandbox-clinic.example', divisionIds: [1] },
  { id: 3, fullName: 'Dr. Lucia Moreno', email: 'lucia.moreno@sandbox-clinic.example', divisionIds: [2, 3] },
  { id: 4, fullName: 'Kenji Watanabe, RN', email: 'kenji.watanabe@sandbox-clinic.example', divisionIds: [3] },
];

export const SEED_CUSTOM_FIELDS: readonly CustomField[] = [
  { id: 1, divisionId: 1, label: 'EMR id', kind: 'text', active: true },
  { id: 3, divisionId: 1, label: 'Has submitted forms?', kind: 'checkbox', active: true },
  { id: 4, divisionId: 1, label: 'Insurance number', kind: 'text', active: false },
  { id: 2, divisionId: 2, label: 'EMR id', kind: 'text', active: true },
  { id: 6, divisionId: 2, label: 'Has submitted forms?', kind: 'checkbox', active: true },
  { id: 5, divisionId: 2, label: 'Legacy chart number', kind: 'text', active: false },
  { id: 7, divisionId: 3, label: 'EMR id', kind: 'text', active: true },
  { id: 8, divisionId: 3, label: 'Has submitted forms?', kind: 'checkbox', active: true },
  { id: 9, divisionId: 3, label: 'Preferred pharmacy', kind: 'text', active: true },
  { id: 10, divisionId: 3, label: 'Intake questionnaire version', kind: 'text', active: false },
];

/** Adds the seed directory; objects already present (same id) are left as they are. */
export function seedDirectory(store: OncallStore): void {
  for (const d of SEED_DIVISIONS) if (!store.divisions.has(d.id)) store.addDivision({ ...d });
  for (const p of SEED_PROVIDERS) {
    if (!store.providers.has(p.id)) store.addProvider({ ...p, divisionIds: [...p.divisionIds] });
  }
  for (const f of SEED_CUSTOM_FIELDS) if (!store.customFields.has(f.id)) store.addCustomField({ ...f });
}

const FIRST = ['Alex', 'Sam', 'Jordan', 'Taylor', 'Morgan', 'Casey', 'Riley', 'Jamie', 'Avery', 'Quinn'];
const LAST = ['Sandbox', 'Example', 'Testcase', 'Fixture', 'Mockwell', 'Demo', 'Placeholder', 'Synthetic'];

/**
 * Adds `count` synthetic roster contacts (fictitious names, `.example` addresses) spread over
 * the seeded divisions, for users and benchmarks that want a populated roster.
 */
export function seedContacts(store: OncallStore, count: number): void {
  const divisions = [...store.divisions.values()];
  for (let i = 0; i < count && divisions.length > 0; i++) {
    const division = divisions[i % divisions.length] as Division;
    const provider = store.firstProviderOf(division.id);
    if (!provider) continue;
    const first = FIRST[i % FIRST.length] as string;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length] as string;
    const n = store.contactList.length + 1;
    store.insertContact({
      divisionId: division.id,
      providerId: provider.id,
      name: `${first} ${last}`,
      firstName: first,
      lastName: last,
      email: `patient${n}@sandbox-patients.example`,
      phone: null,
      notes: null,
      sex: 'Unknown',
      dateOfBirth: null,
      customValues: Object.create(null) as Record<string, string | boolean>,
    });
  }
}

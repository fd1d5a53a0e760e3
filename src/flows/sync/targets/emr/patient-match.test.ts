import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MATCH_FIELDS } from './match-settings.js';
import { classifyCandidates, demographicQuery } from './patient-match.js';
import { mergePatient } from './patient-apply.js';

const person = (family: string, given: string, birthDate?: string, email?: string, phone?: string): Patient => ({
  resourceType: 'Patient',
  name: [{ family, given: [given] }],
  ...(birthDate ? { birthDate } : {}),
  telecom: [...(email ? [{ system: 'email' as const, value: email }] : []), ...(phone ? [{ system: 'phone' as const, value: phone }] : [])],
});

const oncall = person('Moreau', 'Elise', '1975-05-04', 'elise@example.org');
const f = DEFAULT_MATCH_FIELDS;

describe('classifyCandidates', () => {
  it('one candidate equal on every configured field is certain', () => {
    expect(classifyCandidates(oncall, [{ id: 'p1', patient: person('MOREAU', 'elise', '1975-05-04', 'Elise@example.org', '555') }], f)).toEqual({ kind: 'certain', emrId: 'p1' });
  });

  it('the same name and birth date with another e-mail waits for a person, reason without values', () => {
    const r = classifyCandidates(oncall, [{ id: 'p1', patient: person('Moreau', 'Elise', '1975-05-04', 'other@example.org') }], f);
    expect(r).toEqual({ kind: 'uncertain', candidates: ['p1'], reason: 'same name and birth date, different email' });
    expect(JSON.stringify(r)).not.toMatch(/moreau|elise|example/i);
  });

  it('a field missing on one side is not certain', () => {
    const r = classifyCandidates(oncall, [{ id: 'p1', patient: person('Moreau', 'Elise', '1975-05-04') }], f);
    expect(r).toMatchObject({ kind: 'uncertain', reason: 'same name and birth date, email missing on one side' });
  });

  it('several certain, or a certain one beside a near miss, wait for a person', () => {
    const twin = { id: 'p2', patient: person('Moreau', 'Elise', '1975-05-04', 'elise@example.org') };
    expect(classifyCandidates(oncall, [{ id: 'p1', patient: twin.patient }, twin], f)).toMatchObject({ kind: 'uncertain', candidates: ['p1', 'p2'] });
    expect(classifyCandidates(oncall, [twin, { id: 'p3', patient: person('Moreau', 'Elise', '1975-05-04', 'x@y.z') }], f)).toMatchObject({ kind: 'uncertain', candidates: ['p2', 'p3'] });
  });

  it('another person of the same family and birth date (a twin) is no candidate', () => {
    expect(classifyCandidates(oncall, [{ id: 'p1', patient: person('Moreau', 'Claire', '1975-05-04', 'c@example.org') }], f)).toEqual({ kind: 'none' });
    expect(classifyCandidates(oncall, [], f)).toEqual({ kind: 'none' });
  });

  it('searches by family name and birth date only (near misses must be seen)', () => {
    expect(demographicQuery(oncall)).toEqual({ family: 'Moreau', birthDate: '1975-05-04' });
    expect(demographicQuery({ resourceType: 'Patient', name: [{ text: 'Elise' }] })).toBeNull();
  });
});

describe('mergePatient', () => {
  it('replaces only the fields given, keeping the rest of the EMR resource', () => {
    const current: Patient = {
      resourceType: 'Patient',
      id: '12',
      name: [{ use: 'official', family: 'Moreau', given: ['Elise'], text: 'Elise Moreau' }],
      telecom: [{ system: 'email', value: 'old@example.org' }, { system: 'phone', value: '1' }],
      address: [{ city: 'Lyon' }],
      birthDate: '1975-05-04',
    };
    const from = person('Durand', 'Elise', '1976-01-01', 'new@example.org', '2');
    const merged = mergePatient(current, from, ['family', 'email']);
    expect(merged).toEqual({
      resourceType: 'Patient',
      id: '12',
      name: [{ use: 'official', family: 'Durand', given: ['Elise'] }],
      telecom: [{ system: 'email', value: 'new@example.org' }, { system: 'phone', value: '1' }],
      address: [{ city: 'Lyon' }],
      birthDate: '1975-05-04',
    });
    expect(current.name?.[0]?.family).toBe('Moreau');
  });
});

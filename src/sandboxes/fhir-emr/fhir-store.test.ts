import type { Appointment, Encounter, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createFhirEmrStore } from './fhir-store.js';
import { FHIR_EMR_SYSTEMS } from './identifier-systems.js';

describe('seeded FHIR EMR store', () => {
  it('starts fast and holds one Patient per CSV row', () => {
    const t0 = performance.now();
    const store = createFhirEmrStore({ anchorDate: '2026-06-01' });
    const ms = performance.now() - t0;
    console.log(`fhir-emr seed (cold, CSV parse + mapping): ${ms.toFixed(0)} ms`);
    // The budget is 300 ms; the bound is looser because the test machine is shared.
    expect(ms).toBeLessThan(1500);
    expect(store.count('Patient')).toBe(543);
    expect(store.count('Practitioner')).toBe(1436);
    expect(store.count('Encounter')).toBeGreaterThanOrEqual(543);
    expect(store.count('Encounter')).toBeLessThanOrEqual(3 * 543);
    expect(store.count('Appointment')).toBeGreaterThanOrEqual(543);
  });

  it('produces the same data on every start for the same anchor day', () => {
    const a = createFhirEmrStore({ anchorDate: '2026-06-01' });
    const b = createFhirEmrStore({ anchorDate: '2026-06-01T18:30:00Z' });
    for (const type of ['Patient', 'Practitioner', 'Encounter', 'Appointment'] as const) {
      expect(JSON.stringify(b.list(type))).toBe(JSON.stringify(a.list(type)));
    }
  });

  it('maps the CSV faithfully, numeric name suffixes and death dates included', () => {
    const store = createFhirEmrStore({ anchorDate: '2026-06-01' });
    const first = store.get('Patient', '6310efc1-0a81-76ce-bcdc-8f2995ff9fee') as Patient;
    expect(first.name?.[0]).toMatchObject({ family: 'VonRueden376', given: ['Marcell728'] });
    expect(first.gender).toBe('female');
    expect(first.birthDate).toBe('2006-09-06');
    expect(first.identifier).toContainEqual(expect.objectContaining({ system: FHIR_EMR_SYSTEMS.mrn, value: 'MRN000001' }));
    expect(first.address?.[0]).toMatchObject({ line: ['315 Heathcote Well Unit 65'], city: 'Morecambe', postalCode: 'LA4' });
    const dead = store.get('Patient', '7c1df48e-f12f-13f2-920d-40f47ea824c6') as Patient;
    expect(dead).toMatchObject({ deceasedDateTime: '1973-12-01', name: [{ prefix: ['Mr.'], family: 'Schinner682' }] });
    expect(store.list('Patient').filter((p) => (p as Patient).deceasedDateTime).length).toBe(69);
    expect(store.list('Patient').filter((p) => (p as Patient).gender === 'male').length).toBe(277);
  });

  it('generates encounters and appointments consistent with each patient', () => {
    const store = createFhirEmrStore({ anchorDate: '2026-06-01' });
    const anchor = Date.parse('2026-06-01');
    const statuses = new Set<string>();
    for (const r of store.list('Appointment')) {
      const a = r as Appointment;
      const patientRef = a.participant.find((p) => p.actor?.reference?.startsWith('Patient/'))?.actor?.reference ?? '';
      const patient = store.get('Patient', patientRef.slice('Patient/'.length)) as Patient | undefined;
      expect(patient).toBeDefined();
      expect(Date.parse(a.end ?? '') - Date.parse(a.start ?? '')).toBe((a.minutesDuration ?? 0) * 60_000);
      if (a.status === 'booked') expect(Date.parse(a.start ?? '')).toBeGreaterThan(anchor);
      if (a.status === 'fulfilled') expect(Date.parse(a.start ?? '')).toBeLessThan(anchor);
      if (patient?.deceasedDateTime) expect(Date.parse(a.start ?? '')).toBeLessThan(Date.parse(patient.deceasedDateTime) + 86_400_000);
      statuses.add(a.status);
    }
    expect([...statuses].sort()).toEqual(['booked', 'cancelled', 'fulfilled']);
    const visitNumbers = new Set(store.list('Encounter').map((e) => (e as Encounter).identifier?.[0]?.value));
    expect(visitNumbers.size).toBe(store.count('Encounter'));
    for (const r of store.list('Encounter')) {
      const e = r as Encounter;
      const patient = store.get('Patient', (e.subject?.reference ?? '').slice('Patient/'.length)) as Patient;
      expect(Date.parse(e.period?.start ?? '')).toBeGreaterThanOrEqual(Date.parse(patient.birthDate ?? ''));
      expect(e.participant?.[0]?.individual?.reference).toMatch(/^Practitioner\//);
    }
  });
});

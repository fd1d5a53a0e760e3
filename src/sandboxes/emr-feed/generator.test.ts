import { describe, expect, it } from 'vitest';
import { parseInbound, type CanonicalEvent } from '../../channels/hl7v2/inbound.js';
import { generateFeed } from './generator.js';

/**
 * The EMR feed's stream (issue 8, source 3): every message is one the engine's parser accepts,
 * the stream keeps the rules a real EMR keeps, and the expectation (read from the generator's
 * model) agrees with what the messages say once parsed.
 */
const NOW = new Date('2026-12-02T15:00:00Z');
const feed = generateFeed({ count: 2000, patients: 250, seed: 'generator-test', now: NOW });
const parsed = feed.messages.map((m) => ({ m, r: parseInbound(m.raw) }));

describe('EMR feed generator', () => {
  it('produces 2,000 messages that parseInbound accepts, without warnings', () => {
    expect(feed.messages).toHaveLength(2000);
    const refused = parsed.filter(({ r }) => r.kind !== 'accepted').map(({ m, r }) => `${m.index} ${m.type}: ${JSON.stringify(r)}`);
    expect(refused).toEqual([]);
    const warned = parsed.filter(({ r }) => r.kind === 'accepted' && r.warnings).map(({ m, r }) => `${m.index} ${m.type}: ${JSON.stringify(r.kind === 'accepted' && r.warnings)}`);
    expect(warned).toEqual([]);
  });

  it('writes MSH as the brief asks: unique MSH-10, sender, version 2.5.1, CR separators, PID-3 <id>^^^EMR^MR', () => {
    const ids = new Set(feed.messages.map((m) => m.controlId));
    expect(ids.size).toBe(2000);
    for (const { m, r } of parsed) {
      if (r.kind !== 'accepted') continue;
      expect(r.header).toMatchObject({ sendingApplication: 'EMRSIM', sendingFacility: 'HARBOURSIDE', version: '2.5.1', controlId: m.controlId });
      expect(r.header.messageType).toBe(m.type);
      expect(r.header.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
      const text = m.raw.toString('utf8');
      expect(text).not.toMatch(/\n/);
      expect(text.endsWith('\r')).toBe(true);
      expect(text).toMatch(/\rPID\|1\|\|[A-Z0-9]+\^\^\^EMR\^MR[~|]/);
    }
  });

  it('covers every kind, with about 80% of updates touching only what OnCall ignores and a few merges', () => {
    for (const [kind, n] of Object.entries(feed.kinds)) expect(n, kind).toBeGreaterThan(0);
    const share = feed.kinds['update-ignored'] / (feed.kinds['update-ignored'] + feed.kinds.update);
    expect(share).toBeGreaterThan(0.72);
    expect(share).toBeLessThan(0.88);
    expect(feed.kinds['new-patient']).toBe(250);
    expect(feed.kinds.merge).toBeLessThanOrEqual(10);
    expect(new Set(feed.messages.filter((m) => m.kind === 'new-patient').map((m) => m.type))).toEqual(new Set(['ADT^A04', 'ADT^A28']));
  });

  it('keeps the EMR rules: patients exist first; merged patients have no appointment, before or after; closed appointments stay closed', () => {
    const created = new Set<string>();
    const retired = new Set<string>();
    const merged = new Set<string>();
    const booked = new Map<string, string>(); // appointment -> patient
    const closed = new Set<string>();
    for (const { m, r } of parsed) {
      if (r.kind !== 'accepted') throw new Error('refused');
      for (const e of r.events) {
        if (e.type === 'patient-upsert') {
          if (m.kind !== 'new-patient') expect(created.has(e.emrPatientId), `${m.index}: update before create`).toBe(true);
          expect(retired.has(e.emrPatientId), `${m.index}: message about a retired patient`).toBe(false);
          created.add(e.emrPatientId);
        } else if (e.type === 'patient-merge') {
          expect(created.has(e.survivorId) && created.has(e.retiredId)).toBe(true);
          for (const id of [e.survivorId, e.retiredId]) expect([...booked.values()], `${m.index}: merged patient with an appointment`).not.toContain(id);
          retired.add(e.retiredId);
          merged.add(e.survivorId).add(e.retiredId);
        } else {
          const [patient] = e.emrPatientIds;
          expect(e.emrPatientIds).toHaveLength(1);
          expect(created.has(patient!), `${m.index}: booking of a patient not created earlier`).toBe(true);
          expect(merged.has(patient!), `${m.index}: appointment of a merged patient`).toBe(false);
          expect(closed.has(e.emrAppointmentId), `${m.index}: change of a closed appointment`).toBe(false);
          if (e.change === 'new') {
            expect(booked.has(e.emrAppointmentId)).toBe(false);
            booked.set(e.emrAppointmentId, patient!);
          } else {
            expect(booked.get(e.emrAppointmentId)).toBe(patient);
          }
          if (e.change === 'cancel' || e.change === 'delete' || e.change === 'noshow') closed.add(e.emrAppointmentId);
        }
      }
    }
    expect(retired.size).toBe(feed.kinds.merge);
  });

  it('has an expectation that agrees with the parsed messages (last state of each patient and appointment)', () => {
    const lastPatient = new Map<string, Extract<CanonicalEvent, { type: 'patient-upsert' }>>();
    const lastAppointment = new Map<string, Extract<CanonicalEvent, { type: 'appointment-upsert' }>>();
    const retired = new Set<string>();
    for (const { r } of parsed) {
      if (r.kind !== 'accepted') continue;
      for (const e of r.events) {
        if (e.type === 'patient-upsert') lastPatient.set(e.emrPatientId, e);
        else if (e.type === 'patient-merge') retired.add(e.retiredId);
        else lastAppointment.set(e.emrAppointmentId, e);
      }
    }
    const { contacts, appointments } = feed.expectation;
    expect(Object.keys(contacts).sort()).toEqual([...lastPatient.keys()].sort());
    for (const [id, e] of lastPatient) {
      const want = contacts[id]!;
      const name = e.patient.name?.[0];
      const email = e.patient.telecom?.find((t) => t.system === 'email')?.value ?? '';
      const phone = e.patient.telecom?.find((t) => t.system === 'phone')?.value ?? '';
      expect({ first: name?.given?.join(' '), last: name?.family, email: email.toLowerCase(), phone: phone.replace(/\D/g, ''), dob: e.patient.birthDate, merged: retired.has(id) }).toEqual({
        first: want.first_name,
        last: want.last_name,
        email: want.email,
        phone: want.phone,
        dob: want.date_of_birth,
        merged: want.merged,
      });
      expect(want.email).toBe(want.email.toLowerCase());
    }
    expect(Object.keys(appointments).sort()).toEqual([...lastAppointment.keys()].sort());
    for (const [id, e] of lastAppointment) {
      const want = appointments[id]!;
      expect(Date.parse(e.appointment.start!)).toBe(Date.parse(want.datetime));
      expect(e.appointment.minutesDuration).toBe(want.duration);
      expect(e.emrPatientIds[0]).toBe(want.patient_emr_id);
      expect(want.cancelled).toBe(e.change === 'cancel' || e.change === 'delete');
      expect(want.noshow).toBe(e.change === 'noshow');
      expect(want.datetime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      // In the 28 days after the feed's clock, within clinic hours.
      expect(Date.parse(want.datetime)).toBeGreaterThan(NOW.getTime());
      expect(Date.parse(want.datetime)).toBeLessThan(NOW.getTime() + 30 * 86_400_000);
    }
  });

  it('is deterministic: same seed and clock, same bytes; another seed, other ids', () => {
    const again = generateFeed({ count: 300, patients: 40, seed: 'generator-test', now: NOW });
    const first = generateFeed({ count: 300, patients: 40, seed: 'generator-test', now: NOW });
    expect(again.messages.map((m) => m.raw.toString('base64'))).toEqual(first.messages.map((m) => m.raw.toString('base64')));
    expect(again.expectation).toEqual(first.expectation);
    const other = generateFeed({ count: 300, patients: 40, seed: 'another', now: NOW });
    const ids = new Set(Object.keys(first.expectation.contacts));
    expect(Object.keys(other.expectation.contacts).some((id) => ids.has(id))).toBe(false);
    expect(other.messages.some((m) => first.messages.some((f) => f.controlId === m.controlId))).toBe(false);
  });

  it('refuses a count or patient number that is not a positive whole number', () => {
    expect(() => generateFeed({ count: 0, patients: 1, seed: 's', now: NOW })).toThrow(/count/);
    expect(() => generateFeed({ count: 5, patients: 1.5, seed: 's', now: NOW })).toThrow(/patients/);
  });
});

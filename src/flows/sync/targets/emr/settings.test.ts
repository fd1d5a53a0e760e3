import { describe, expect, it } from 'vitest';
import { MatchSettingsError, parseMatchFields, parseParticipantMatchFields } from './match-settings.js';
import { OwnershipError, parseOwners } from './ownership.js';
import { emrTargetSettings } from './settings.js';

describe('EHR_BRIDGE_SYNC_OWNERS', () => {
  it('defaults to the EMR owning patients and OnCall owning appointments', () => {
    const o = parseOwners(undefined);
    expect(o.owner('patient', 'email')).toBe('emr');
    expect(o.owner('appointment', 'start')).toBe('oncall');
    expect(o.anyPlatformOwned('patient')).toBe(false);
    expect(o.toString()).toBe('patient=emr,appointment=oncall');
  });

  it('takes field overrides, in any case, and splits differences by owner', () => {
    const o = parseOwners(' patient=emr , patient.Email=oncall, appointment.status=emr ');
    expect(o.owner('patient', 'email')).toBe('oncall');
    expect(o.owner('patient', 'phone')).toBe('emr');
    expect(o.owner('appointment', 'status')).toBe('emr');
    expect(o.split('patient', ['family', 'email'])).toEqual({ write: ['email'], emrOwned: ['family'] });
    expect(o.anyPlatformOwned('patient')).toBe(true);
  });

  it('refuses an unknown kind, field, owner or shape, naming the variable and the entry', () => {
    expect(() => parseOwners('doctor=emr')).toThrow(OwnershipError);
    expect(() => parseOwners('patient=epic')).toThrow(/unknown owner "epic"/);
    expect(() => parseOwners('patient.ssn=oncall')).toThrow(/EHR_BRIDGE_SYNC_OWNERS: unknown patient field "ssn"/);
    expect(() => parseOwners('patient')).toThrow(/not kind=owner/);
  });
});

describe('EHR_BRIDGE_SYNC_MATCH', () => {
  it('defaults to family, given, birthDate, email', () => {
    expect(parseMatchFields('')).toEqual(['family', 'given', 'birthDate', 'email']);
    expect(parseMatchFields('family, BIRTHDATE,phone,family')).toEqual(['family', 'birthDate', 'phone']);
  });

  it('refuses unknown fields, a match without the family name, or the family name alone', () => {
    expect(() => parseMatchFields('family,ssn')).toThrow(MatchSettingsError);
    expect(() => parseMatchFields('given,birthDate')).toThrow(/must include family/);
    expect(() => parseMatchFields('family')).toThrow(/alone/);
  });

  it('a participant (name and e-mail only) is matched on family, given, email unless told otherwise', () => {
    expect(parseParticipantMatchFields(undefined)).toEqual(['family', 'given', 'email']);
    expect(parseParticipantMatchFields('family,email')).toEqual(['family', 'email']);
    expect(() => parseParticipantMatchFields('family,birthDate')).toThrow(/EHR_BRIDGE_SYNC_MATCH_PARTICIPANT: unknown field "birthDate" \(family, given, email\)/);
  });

  it('all read from the environment', () => {
    const s = emrTargetSettings({ EHR_BRIDGE_SYNC_OWNERS: 'appointment=emr', EHR_BRIDGE_SYNC_MATCH: 'family,birthDate', EHR_BRIDGE_SYNC_MATCH_PARTICIPANT: 'family,email' });
    expect(s.owners.owner('appointment', 'start')).toBe('emr');
    expect(s.match).toEqual(['family', 'birthDate']);
    expect(s.participantMatch).toEqual(['family', 'email']);
  });
});

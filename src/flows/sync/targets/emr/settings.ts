import type { PatientField } from '../../emr-projection.js';
import { parseMatchFields, parseParticipantMatchFields } from './match-settings.js';
import { parseOwners, type Ownership } from './ownership.js';

/**
 * The EMR target's settings, from the environment:
 *
 * | variable                | default |
 * |-------------------------|---------|
 * | EHR_BRIDGE_SYNC_OWNERS  | patient=emr,appointment=oncall (field overrides: patient.email=oncall) |
 * | EHR_BRIDGE_SYNC_MATCH   | family,given,birthDate,email |
 * | EHR_BRIDGE_SYNC_MATCH_PARTICIPANT | family,given,email (a participant has no birth date) |
 *
 * Bad values throw OwnershipError / MatchSettingsError naming the variable and the entry.
 */
export interface EmrTargetSettings {
  owners: Ownership;
  match: PatientField[];
  /** The match for an appointment participant without a contact (name and e-mail only). */
  participantMatch: PatientField[];
}

export function emrTargetSettings(env: NodeJS.ProcessEnv = process.env): EmrTargetSettings {
  return {
    owners: parseOwners(env.EHR_BRIDGE_SYNC_OWNERS),
    match: parseMatchFields(env.EHR_BRIDGE_SYNC_MATCH),
    participantMatch: parseParticipantMatchFields(env.EHR_BRIDGE_SYNC_MATCH_PARTICIPANT),
  };
}

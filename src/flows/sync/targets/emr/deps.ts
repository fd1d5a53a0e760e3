import type { EffectStore } from '../../../../effects/effect-store.js';
import type { LinkStore } from '../../../../links/link-store.js';
import type { Db } from '../../../../store/db.js';
import type { PlatformSource } from '../../platform-events.js';
import type { EmrWriter } from './emr-writer.js';
import type { EmrTargetSettings } from './settings.js';

/** What the EMR target is built from (the lead wires it in setup.ts). */
export interface EmrTargetDeps {
  source: PlatformSource;
  writer: EmrWriter;
  links: LinkStore;
  effects: EffectStore;
  db: Db;
  settings: EmrTargetSettings;
  /** Wait before looking up an ambiguous create (tests shorten it). */
  settleMs?: number;
}

/**
 * Where a participant's OnCall URL is kept in the EMR (seed oncall-patient-sync-guide.txt: "We
 * recommend storing each participant's reference in their EMR or EHR record"): on the EMR
 * Appointment, and on a patient created from a participant. A separate system from the contact
 * URL (IDENTIFIER_SYSTEMS.oncallUrl) because a participant is not a roster contact.
 */
export const ONCALL_PARTICIPANT_URL_SYSTEM = 'urn:ehr-bridge:oncall-participant-url';

export const patientCreateKey = (platformId: string) => `emr:patient:create:${platformId}`;
export const appointmentCreateKey = (platformId: string) => `emr:appointment:create:${platformId}`;

export function howWords(what: string, how: 'sent' | 'confirmed-by-lookup' | 'already-done'): string {
  if (how === 'confirmed-by-lookup') return `${what} (confirmed by a lookup after an unclear answer)`;
  if (how === 'already-done') return `${what} (already done by an earlier attempt)`;
  return what;
}

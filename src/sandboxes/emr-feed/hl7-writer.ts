import { formatHl7DateTime } from '../../hl7/datetime.js';
import { escapeHl7 } from '../../hl7/escape.js';
import type { AppointmentState, PatientState } from './model.js';

/**
 * HL7 v2.5.1 segments for the EMR feed, built from the simulated EMR's state. Every leaf value
 * is escaped (a name may hold `&` or `^`); segments end with CR, as MLLP senders write them.
 * Layouts: HL7 v2.5.1 chapter 3 (MSH, EVN, PID, PV1, NK1, MRG) and chapter 10 (SCH, TQ1, RGS,
 * AIS, AIG, AIL, AIP).
 */

/** Components of one field, each escaped, trailing empty ones dropped. */
export function comp(...parts: (string | number | undefined)[]): string {
  const values = parts.map((p) => (p === undefined ? '' : escapeHl7(String(p))));
  let end = values.length;
  while (end > 0 && values[end - 1] === '') end--;
  return values.slice(0, end).join('^');
}

/** One segment from already-encoded fields (1-based after the name), trailing empty ones dropped. */
export function segment(name: string, ...fields: string[]): string {
  let end = fields.length;
  while (end > 0 && fields[end - 1] === '') end--;
  return [name, ...fields.slice(0, end)].join('|');
}

export interface Sender {
  application: string;
  facility: string;
  timeZone: string;
}

/** Message structure (MSH-9.3) per trigger event, from the v2.5.1 event tables. */
const STRUCTURES: Record<string, string> = {
  A04: 'ADT_A01',
  A08: 'ADT_A01',
  A28: 'ADT_A05',
  A31: 'ADT_A05',
  A40: 'ADT_A39',
};

export function msh(sender: Sender, at: Date, type: 'ADT' | 'SIU', event: string, controlId: string): string {
  const structure = type === 'SIU' ? 'SIU_S12' : (STRUCTURES[event] ?? 'ADT_A01');
  // MSH-15/16 empty: original acknowledgement mode, one ACK per message. MSH-18: the bytes are UTF-8.
  return [
    'MSH',
    '^~\\&',
    comp(sender.application),
    comp(sender.facility),
    'EHRBRIDGE',
    'ONCALL',
    dtm(at, sender.timeZone),
    '',
    `${type}^${event}^${structure}`,
    comp(controlId),
    'P',
    '2.5.1',
    '',
    '',
    '',
    '',
    'CA',
    'UNICODE UTF-8',
  ].join('|');
}

export function evn(event: string, at: Date, timeZone: string): string {
  return segment('EVN', event, dtm(at, timeZone));
}

export function dtm(at: Date | number, timeZone: string): string {
  return formatHl7DateTime(typeof at === 'number' ? new Date(at) : at, { timeZone, precision: 'second' });
}

/** PID-3 repetitions: the EMR's medical record number first (type MR), then the health card. */
function pid3(p: PatientState): string {
  const ids = [comp(p.emrId, '', '', 'EMR', 'MR')];
  if (p.healthCard) ids.push(comp(p.healthCard, '', '', p.address.province, 'JHN'));
  return ids.join('~');
}

export function pid(p: PatientState): string {
  const a = p.address;
  // XTN: XTN.1 formatted for old readers, XTN.2 use (PRN primary residence), XTN.3 equipment
  // (PH), XTN.6 area, XTN.7 local number; the e-mail is XTN.4 with use NET and equipment Internet.
  const phone = comp(`(${p.phone.area})${p.phone.local.slice(0, 3)}-${p.phone.local.slice(3)}`, 'PRN', 'PH', '', '', p.phone.area, p.phone.local);
  const email = comp('', 'NET', 'Internet', p.email);
  return segment(
    'PID',
    '1',
    '',
    pid3(p),
    '',
    comp(p.family, p.given, p.middle, '', '', '', 'L'),
    '',
    p.birthDate.replace(/-/g, ''),
    p.sex,
    '',
    comp(p.race[0], p.race[1], 'CDCREC'),
    comp(`${a.number} ${a.street}`, '', a.city, a.province, a.postalCode, 'CA', 'H'),
    '',
    `${phone}~${email}`,
  );
}

export function nk1(p: PatientState): string {
  const k = p.nextOfKin;
  return segment('NK1', '1', comp(k.family, k.given), comp(k.relationship[0], k.relationship[1], 'HL70063'));
}

export function pv1(patientClass: 'O' | 'N', location?: { room: string; facility: string }): string {
  const pl = location ? comp('CLINIC', location.room, '', location.facility) : '';
  return segment('PV1', '1', patientClass, pl);
}

export function mrg(retiredId: string): string {
  return segment('MRG', comp(retiredId, '', '', 'EMR', 'MR'));
}

/** HL7 table 0278 filler status per SIU event. */
export type FillerStatus = 'Booked' | 'Cancelled' | 'Deleted' | 'Noshow';

/**
 * SCH: SCH-1/2 placer and filler appointment ids (the filler id is the EMR's appointment id),
 * SCH-6 event reason, SCH-7 appointment reason (table 0276), SCH-8 type, SCH-9/10 duration,
 * SCH-11 timing (kept in 2.5.1 for older receivers), SCH-16 filler contact, SCH-25 status.
 */
export function sch(a: AppointmentState, eventReason: readonly [string, string], status: FillerStatus, timeZone: string): string {
  const end = a.start + a.minutes * 60_000;
  const provider = comp(a.provider[0], a.provider[1], a.provider[2], '', '', 'Dr');
  return segment(
    'SCH',
    comp(a.placerId, 'EMR'),
    comp(a.emrId, 'EMR'),
    '',
    '',
    '',
    comp(eventReason[0], eventReason[1], 'HL70411'),
    comp(a.reason[0], a.reason[1], 'HL70276'),
    comp('NORMAL', 'Routine schedule request', 'HL70277'),
    String(a.minutes),
    comp('min', 'minutes', 'ISO+'),
    comp('', '', '', dtm(a.start, timeZone), dtm(end, timeZone)),
    '',
    '',
    '',
    '',
    provider,
    '',
    '',
    '',
    '',
    '',
    '',
    '',
    '',
    status,
  );
}

/** TQ1-7 start and TQ1-8 end: where a v2.5+ receiver reads the time first. */
export function tq1(a: AppointmentState, timeZone: string): string {
  return segment('TQ1', '1', '', '', '', '', '', dtm(a.start, timeZone), dtm(a.start + a.minutes * 60_000, timeZone));
}

export function nte(text: string): string {
  return segment('NTE', '1', '', comp(text));
}

/** RGS and its resources: AIS service, AIG equipment (when any), AIL location, AIP provider. */
export function resources(a: AppointmentState, action: 'A' | 'U', status: FillerStatus, facility: string, timeZone: string): string[] {
  const start = dtm(a.start, timeZone);
  const minutes = String(a.minutes);
  const units = comp('min', 'minutes', 'ISO+');
  const out = [
    segment('RGS', '1', action),
    segment('AIS', '1', action, comp(a.service[0], a.service[1], 'L'), start, '', '', minutes, units, '', status),
  ];
  if (a.equipment) {
    out.push(segment('AIG', '1', action, comp(a.equipment[0], a.equipment[1], 'L'), comp('EQ', 'Equipment', 'L'), '', '', '', start, '', '', minutes, units, '', status));
  }
  out.push(segment('AIL', '1', action, comp('CLINIC', a.room, '', facility), comp('C', 'Clinic', 'HL70305'), '', start, '', '', minutes, units, '', status));
  out.push(
    segment('AIP', '1', action, comp(a.provider[0], a.provider[1], a.provider[2], '', '', 'Dr'), comp('MD', 'Physician', 'L'), '', start, '', '', minutes, units, '', status),
  );
  return out;
}

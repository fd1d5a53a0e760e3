import type { Address, ContactPoint, HumanName, Identifier, Patient, Period } from '@medplum/fhirtypes';
import {
  ADDRESS_TYPE_TO_USE,
  EQUIPMENT_TO_SYSTEM,
  NAME_TYPE_TO_USE,
  SEX_TO_GENDER,
  TELECOM_USE_TO_USE,
  V2_TABLE_SYSTEM,
} from './codes.js';
import { dataTypeError, dtmField, requiredFieldMissing, type MappingContext } from './mapping-context.js';
import { parseDtm } from './dtm.js';
import type { Repetition, SegmentView } from './reader.js';
import type { EmrLocation } from './types.js';

/**
 * PID -> FHIR R4 Patient. Field by field in docs/hl7v2-to-fhir.md. Snapshot semantics: an A08
 * carries the whole PID, so what the segment does not say is absent from the Patient.
 */
export interface MappedPatient {
  emrPatientId: string;
  patient: Patient;
}

export function mapPid(pid: SegmentView, ctx: MappingContext): MappedPatient {
  const ids = pid.repetitions(3).filter((r) => r.value(1) !== '');
  const chosen = pickIdentifier(ids, ctx.emrIdType);
  if (!chosen) throw requiredFieldMissing(pid, 3, 'patient identifier list');

  const patient: Patient = { resourceType: 'Patient' };
  patient.identifier = [chosen, ...ids.filter((r) => r !== chosen)].map((rep) => identifier(rep, rep === chosen ? ctx.emrIdSystem : undefined));

  const names = pid
    .repetitions(5)
    .map((rep) => humanName(rep, pid, ctx))
    .filter((n): n is HumanName => n !== undefined);
  if (names.length > 0) patient.name = names;

  const telecom = dedupeTelecom([
    ...pid.repetitions(13).map((r) => contactPoint(r, 'home', pid, 13, ctx)),
    ...pid.repetitions(14).map((r) => contactPoint(r, 'work', pid, 14, ctx)),
    // v2.7+ moved telecoms to PID-40 (PID-13/14 are kept for backward compatibility).
    ...pid.repetitions(40).map((r) => contactPoint(r, undefined, pid, 40, ctx)),
  ]);
  if (telecom.length > 0) patient.telecom = telecom;

  const sex = pid.value(8).toUpperCase();
  if (sex) {
    const gender = (SEX_TO_GENDER as Record<string, Patient['gender']>)[sex];
    if (gender) patient.gender = gender;
    else ctx.warnings.push('PID-8 (administrative sex) holds a code outside HL7 table 0001: gender left out');
  }

  const birth = dtmField(pid, 7, 'date of birth', ctx);
  if (birth) patient.birthDate = birth.date.slice(0, 10);

  const addresses = pid
    .repetitions(11)
    .map((rep) => address(rep, pid, ctx))
    .filter((a): a is Address => a !== undefined);
  if (addresses.length > 0) patient.address = addresses;

  return { emrPatientId: chosen.value(1), patient };
}

/** The repetition whose type (CX.5) is the configured EMR id type, else the first. */
export function pickIdentifier(reps: Repetition[], emrIdType: string): Repetition | undefined {
  const wanted = emrIdType.toUpperCase();
  return reps.find((r) => r.value(5).toUpperCase() === wanted) ?? reps[0];
}

/** The EMR id of a CX list (PID-3, MRG-1), or '' when none. */
export function emrIdOf(reps: Repetition[], emrIdType: string): string {
  return pickIdentifier(
    reps.filter((r) => r.value(1) !== ''),
    emrIdType,
  )?.value(1) ?? '';
}

function identifier(rep: Repetition, system: string | undefined): Identifier {
  const id: Identifier = {};
  const sys = system ?? authoritySystem(rep);
  if (sys) id.system = sys;
  id.value = rep.value(1);
  const type = rep.value(5);
  if (type) id.type = { coding: [{ system: V2_TABLE_SYSTEM('0203'), code: type }] };
  const assigner = rep.value(4, 1);
  if (assigner) id.assigner = { display: assigner };
  return id;
}

/** CX.4 assigning authority as a URI when it carries a universal id (ISO OID, UUID, URI). */
function authoritySystem(rep: Repetition): string | undefined {
  const universal = rep.value(4, 2);
  const type = rep.value(4, 3).toUpperCase();
  if (!universal) return undefined;
  if (type === 'ISO' && /^[0-2](\.\d+)+$/.test(universal)) return `urn:oid:${universal}`;
  if (type === 'UUID' && /^[0-9a-f-]{36}$/i.test(universal)) return `urn:uuid:${universal.toLowerCase()}`;
  if (type === 'URI') return universal;
  return undefined;
}

function humanName(rep: Repetition, pid: SegmentView, ctx: MappingContext): HumanName | undefined {
  const family = rep.value(1, 1);
  const given = [rep.value(2), rep.value(3)].filter(Boolean);
  if (!family && given.length === 0) return undefined;
  const name: HumanName = {};
  const use = (NAME_TYPE_TO_USE as Record<string, HumanName['use']>)[rep.value(7).toUpperCase()];
  if (use) name.use = use;
  if (family) name.family = family;
  if (given.length > 0) name.given = given;
  const prefix = rep.value(5);
  if (prefix) name.prefix = [prefix];
  // XPN.4 suffix (Jr, III), XPN.6 degree (MD; deprecated), XPN.14 professional suffix.
  const suffix = [rep.value(4), rep.value(6), rep.value(14)].filter(Boolean);
  if (suffix.length > 0) name.suffix = suffix;
  // XPN.12/13 effective/expiration (v2.5+), else XPN.10 name validity range (DR, deprecated).
  const period = periodOf(rep, [12, 13], 10, pid, 5, ctx, 'name validity');
  if (period) name.period = period;
  return name;
}

function address(rep: Repetition, pid: SegmentView, ctx: MappingContext): Address | undefined {
  // XAD.1 is SAD: street or mailing address & street name & dwelling number.
  const street = rep.subcomponents(1).filter(Boolean).join(' ');
  const line = [street, rep.value(2)].filter(Boolean);
  const a: Address = {};
  const type = rep.value(7).toUpperCase();
  const use = (ADDRESS_TYPE_TO_USE as Record<string, Address['use']>)[type];
  if (use) a.use = use;
  if (type === 'M') a.type = 'postal';
  if (line.length > 0) a.line = line;
  if (rep.value(3)) a.city = rep.value(3);
  if (rep.value(9)) a.district = rep.value(9);
  if (rep.value(4)) a.state = rep.value(4);
  if (rep.value(5)) a.postalCode = rep.value(5);
  if (rep.value(6)) a.country = rep.value(6);
  if (!a.line && !a.city && !a.state && !a.postalCode && !a.country && !a.district) return undefined;
  // XAD.13/14 effective/expiration (v2.5+), else XAD.12 address validity range (DR, deprecated).
  const period = periodOf(rep, [13, 14], 12, pid, 11, ctx, 'address validity');
  if (period) a.period = period;
  return a;
}

function periodOf(
  rep: Repetition,
  [startComp, endComp]: [number, number],
  rangeComp: number,
  seg: SegmentView,
  field: number,
  ctx: MappingContext,
  what: string,
): Period | undefined {
  const read = (comp: number, sub: number): string | undefined => {
    const v = rep.value(comp, sub);
    if (!v) return undefined;
    const parsed = parseDtm(v, ctx.timeZone);
    if (!parsed) throw dataTypeError(seg, field, what, comp, rep.index);
    return parsed.instant ?? parsed.date;
  };
  const start = read(startComp, 1) ?? read(rangeComp, 1);
  const end = read(endComp, 1) ?? read(rangeComp, 2);
  if (!start && !end) return undefined;
  const p: Period = {};
  if (start) p.start = start;
  if (end) p.end = end;
  return p;
}

/**
 * XTN -> ContactPoint. E-mail when the use code is NET or the equipment Internet / X.400: the
 * address is XTN.4 (v2.3+), else XTN.1 (older senders). A value that is not an e-mail address
 * is dropped with a warning rather than sent on as one. Phones: XTN.12 (unformatted), else
 * XTN.5-8 (country, area, local, extension), else XTN.1.
 */
function contactPoint(
  rep: Repetition,
  defaultUse: 'home' | 'work' | undefined,
  seg: SegmentView,
  field: number,
  ctx: MappingContext,
): ContactPoint | undefined {
  if (rep.isEmpty()) return undefined;
  const useCode = rep.value(2).toUpperCase();
  const equipment = rep.value(3);
  const equipmentSystem = (EQUIPMENT_TO_SYSTEM as Record<string, ContactPoint['system']>)[equipment] ??
    (EQUIPMENT_TO_SYSTEM as Record<string, ContactPoint['system']>)[equipment.toUpperCase()];
  // v2.2 senders sometimes write a bare address in XTN.1 with neither use code nor equipment.
  const bareEmail = !useCode && !equipment && EMAIL.test(rep.value(1));
  const isEmail = useCode === 'NET' || equipmentSystem === 'email' || bareEmail;
  const cp: ContactPoint = {};
  if (isEmail) {
    const value = rep.value(4) || rep.value(1);
    if (!value) return undefined;
    if (!EMAIL.test(value)) {
      ctx.warnings.push(`${seg.name}-${field} holds an e-mail entry that is not an address: left out`);
      return undefined;
    }
    cp.system = 'email';
    cp.value = value;
  } else {
    const value = phoneValue(rep);
    if (!value) return undefined;
    cp.system = equipmentSystem ?? 'phone';
    cp.value = value;
  }
  const use = (TELECOM_USE_TO_USE as Record<string, ContactPoint['use']>)[useCode] ?? (equipment.toUpperCase() === 'CP' ? 'mobile' : defaultUse);
  if (use && !(cp.system === 'email' && use === 'mobile')) cp.use = use;
  return cp;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

function phoneValue(rep: Repetition): string {
  const unformatted = rep.value(12);
  if (unformatted) return unformatted;
  const local = rep.value(7);
  if (local) {
    const parts = [rep.value(5) ? `+${rep.value(5).replace(/^\+/, '')}` : '', rep.value(6), local].filter(Boolean);
    const ext = rep.value(8);
    return parts.join(' ') + (ext ? ` ext. ${ext}` : '');
  }
  return rep.value(1);
}

function dedupeTelecom(list: (ContactPoint | undefined)[]): ContactPoint[] {
  const seen = new Set<string>();
  const out: ContactPoint[] = [];
  for (const cp of list) {
    if (!cp) continue;
    const key = `${cp.system}|${cp.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(cp);
  }
  return out;
}

/** PL (PV1-3, AIL-3) -> the EMR location the router may use to pick a division. */
export function emrLocation(rep: Repetition | undefined): EmrLocation | undefined {
  if (!rep || rep.isEmpty()) return undefined;
  const loc: EmrLocation = {};
  if (rep.value(1)) loc.pointOfCare = rep.value(1);
  if (rep.value(2)) loc.room = rep.value(2);
  if (rep.value(3)) loc.bed = rep.value(3);
  if (rep.value(4, 1)) loc.facility = rep.value(4, 1);
  return Object.keys(loc).length > 0 ? loc : undefined;
}

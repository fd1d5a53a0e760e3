import { zoneOffsetMinutes } from '../../hl7/datetime.js';
import { createPrng, hashString, type Prng } from '../fhir-emr/prng.js';
import * as w from './hl7-writer.js';
import {
  expectedAppointment,
  expectedContact,
  FEED_KINDS,
  type AppointmentState,
  type FeedExpectation,
  type FeedKind,
  type FeedMessage,
  type PatientState,
} from './model.js';
import {
  APPOINTMENT_REASONS,
  AREA_CODES,
  CITIES,
  CLINIC_TIME_ZONES,
  EQUIPMENT,
  FAMILY,
  GIVEN_FEMALE,
  GIVEN_MALE,
  MIDDLE_INITIALS,
  PROVIDERS,
  RACES,
  RELATIONSHIPS,
  ROOMS,
  SERVICES,
  STREETS,
} from './names.js';

/**
 * A deterministic HL7 v2.5.1 ADT/SIU stream (issue 8, source 3): the same seed, count, patient
 * count and clock give the same bytes. It keeps the simulated EMR's state (model.ts) as it goes,
 * so the expectation is what the EMR holds at the end, independent of the engine's mapping.
 *
 * Rules the stream keeps, as a real EMR does:
 * - a patient exists (A04/A28) before any update, booking or merge names it;
 * - about 80% of updates change only what OnCall does not hold (address, race, next of kin);
 * - a cancelled, deleted or no-show appointment receives nothing more;
 * - merges (A40) only join patients with no appointment, and neither is booked afterwards;
 *   the retired patient receives nothing more.
 */
export interface FeedOptions {
  /** Messages in the stream. */
  count: number;
  /** Patients created at most (fewer when the stream is too short to create them all). */
  patients: number;
  seed: string;
  /** The clock: MSH-7 of the first message; appointments fall on the 28 days after it. */
  now: Date;
}

export interface GeneratedFeed {
  messages: FeedMessage[];
  expectation: FeedExpectation;
  /** Messages per kind. */
  kinds: Record<FeedKind, number>;
  /** The clinic's zone the times are written in (with their offset). */
  timeZone: string;
}

/** MSH-3 and MSH-4 of the simulated EMR. */
export const FEED_SENDER = { application: 'EMRSIM', facility: 'HARBOURSIDE' } as const;

/** Patient and appointment ids carry a tag of the seed, so feeds with different seeds never share ids. */
export function seedTag(seed: string): string {
  return hashString(seed).toString(36).toUpperCase().padStart(7, '0').slice(-5);
}

export function generateFeed(opts: FeedOptions): GeneratedFeed {
  if (!Number.isInteger(opts.count) || opts.count < 1) throw new RangeError('count: a whole number of messages, 1 or more');
  if (!Number.isInteger(opts.patients) || opts.patients < 1) throw new RangeError('patients: a whole number, 1 or more');
  return new FeedBuilder(opts).build();
}

/** Relative weights of the next message's kind, when it is possible at all. */
const WEIGHTS = {
  update: 30,
  book: 16,
  reschedule: 7,
  modify: 5,
  cancel: 3,
  delete: 1.5,
  noshow: 1.5,
  merge: 0.8,
} as const;

/** Share of updates that change only what OnCall ignores (the brief: about 80%). */
const IGNORED_UPDATE_SHARE = 0.8;

class FeedBuilder {
  private readonly prng: Prng;
  private readonly tag: string;
  private readonly zone: string;
  private readonly sender: w.Sender;
  private readonly patients: PatientState[] = [];
  private readonly byId = new Map<string, PatientState>();
  private readonly appointments: AppointmentState[] = [];
  /** Appointments that may still change (not cancelled, deleted or no-show). */
  private readonly open: AppointmentState[] = [];
  private readonly messages: FeedMessage[] = [];
  private readonly kinds = Object.fromEntries(FEED_KINDS.map((k) => [k, 0])) as Record<FeedKind, number>;
  private merges = 0;
  private readonly firstDay: number;

  constructor(private readonly opts: FeedOptions) {
    this.prng = createPrng(`emr-feed:${opts.seed}`);
    this.tag = seedTag(opts.seed);
    this.zone = this.prng.pick(CLINIC_TIME_ZONES);
    this.sender = { ...FEED_SENDER, timeZone: this.zone };
    // Appointments start from the clinic's next calendar day (local midnight, as epoch ms).
    const local = new Date(opts.now.getTime() + zoneOffsetMinutes(opts.now, this.zone) * 60_000);
    this.firstDay = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 1);
  }

  build(): GeneratedFeed {
    for (let i = 0; i < this.opts.count; i++) this.next(i);
    const contacts: FeedExpectation['contacts'] = {};
    for (const p of this.patients) contacts[p.emrId] = expectedContact(p);
    const appointments: FeedExpectation['appointments'] = {};
    for (const a of this.appointments) appointments[a.emrId] = expectedAppointment(a);
    return {
      messages: this.messages,
      expectation: { version: 1, seed: this.opts.seed, messages: this.messages.length, contacts, appointments },
      kinds: this.kinds,
      timeZone: this.zone,
    };
  }

  private next(i: number): void {
    const active = this.patients.filter((p) => p.mergedInto === undefined);
    const missing = this.opts.patients - this.patients.length;
    // New patients come early (a real feed grows its roster first) but keep arriving.
    const newWeight = missing <= 0 ? 0 : active.length === 0 ? 1 : 40 * (missing / this.opts.patients) + 4;
    const bookable = active.filter((p) => !p.inMerge);
    const mergeable = bookable.filter((p) => p.appointments === 0);
    // Merges only once the roster has grown a little (a duplicate is noticed later, not at once).
    const mergeAllowed =
      i >= this.opts.count / 10 && mergeable.length >= 2 && this.merges < Math.max(1, Math.floor(this.opts.patients / 25));
    const choice = this.prng.weighted<FeedKind>([
      ['new-patient', newWeight],
      ['update', active.length > 0 ? WEIGHTS.update : 0],
      ['book', bookable.length > 0 ? WEIGHTS.book : 0],
      ['reschedule', this.open.length > 0 ? WEIGHTS.reschedule : 0],
      ['modify', this.open.length > 0 ? WEIGHTS.modify : 0],
      ['cancel', this.open.length > 0 ? WEIGHTS.cancel : 0],
      ['delete', this.open.length > 0 ? WEIGHTS.delete : 0],
      ['noshow', this.open.length > 0 ? WEIGHTS.noshow : 0],
      ['merge', mergeAllowed ? WEIGHTS.merge : 0],
    ]);
    // Every weight zero (only when all patients were merged away): an update of a survivor.
    const at = new Date(this.opts.now.getTime() + i * 1000);
    switch (choice) {
      case 'new-patient':
        return this.newPatient(i, at);
      case 'update':
        return active.length > 0 ? this.update(i, at, this.prng.pick(active)) : this.newPatient(i, at);
      case 'book':
        return this.book(i, at, this.prng.pick(bookable));
      case 'merge':
        return this.merge(i, at, mergeable);
      default:
        return this.changeAppointment(i, at, choice);
    }
  }

  private controlId(i: number): string {
    // 20 characters at most (MSH-10 is ST 20 in v2.5.1).
    return `EF${this.tag}${String(i + 1).padStart(7, '0')}`;
  }

  private emit(i: number, kind: FeedKind, type: string, patientIds: string[], segments: string[]): void {
    this.kinds[kind]++;
    this.messages.push({
      index: i,
      kind,
      type,
      controlId: this.controlId(i),
      patientIds,
      raw: Buffer.from(segments.join('\r') + '\r', 'utf8'),
    });
  }

  private adtSegments(i: number, at: Date, event: string, p: PatientState): string[] {
    const visit = event === 'A04' ? w.pv1('O', { room: this.prng.pick(ROOMS), facility: FEED_SENDER.facility }) : w.pv1('N');
    return [w.msh(this.sender, at, 'ADT', event, this.controlId(i)), w.evn(event, at, this.zone), w.pid(p), w.nk1(p), visit];
  }

  private newPatient(i: number, at: Date): void {
    const n = this.patients.length + 1;
    const sex = this.prng.chance(0.5) ? 'F' : 'M';
    const given = this.prng.pick(sex === 'F' ? GIVEN_FEMALE : GIVEN_MALE);
    const family = this.prng.pick(FAMILY);
    const [city, province, postalCode] = this.prng.pick(CITIES);
    const year = this.prng.int(1935, 2020);
    const month = this.prng.int(1, 12);
    const day = this.prng.int(1, daysIn(year, month));
    const p: PatientState = {
      emrId: `P${this.tag}${String(n).padStart(6, '0')}`,
      given,
      middle: this.prng.chance(0.4) ? this.prng.pick(MIDDLE_INITIALS) : '',
      family,
      sex,
      birthDate: `${year}-${pad2(month)}-${pad2(day)}`,
      email: this.email(given, family, n, 0),
      phone: this.phone(),
      address: { number: this.prng.int(1, 999), street: this.prng.pick(STREETS), city, province, postalCode },
      race: this.prng.pick(RACES),
      nextOfKin: { family, given: this.prng.pick(this.prng.chance(0.5) ? GIVEN_FEMALE : GIVEN_MALE), relationship: this.prng.pick(RELATIONSHIPS) },
      appointments: 0,
      inMerge: false,
    };
    if (this.prng.chance(0.5)) p.healthCard = String(this.prng.int(1_000_000_000, 9_999_999_999));
    this.patients.push(p);
    this.byId.set(p.emrId, p);
    const event = this.prng.chance(0.7) ? 'A04' : 'A28';
    this.emit(i, 'new-patient', `ADT^${event}`, [p.emrId], this.adtSegments(i, at, event, p));
  }

  /** ASCII local part from the name; some EMRs keep the capitals the patient typed. */
  private email(given: string, family: string, n: number, version: number): string {
    const ascii = (s: string) => s.normalize('NFD').replace(/[^A-Za-z]/g, '');
    const local = `${ascii(given)}.${ascii(family)}${n}${version > 0 ? `.${version}` : ''}`;
    const domain = this.prng.pick(['example.org', 'example.com', 'example.net']);
    const address = `${local}@${domain}`;
    return this.prng.chance(0.2) ? address.replace(/@example/, '@Example') : address.toLowerCase();
  }

  private phone(): PatientState['phone'] {
    return { area: this.prng.pick(AREA_CODES), local: `55501${String(this.prng.int(0, 99)).padStart(2, '0')}` };
  }

  private update(i: number, at: Date, p: PatientState): void {
    const event = this.prng.chance(0.75) ? 'A08' : 'A31';
    if (this.prng.chance(IGNORED_UPDATE_SHARE)) {
      // What OnCall does not hold: the engine must make no call for these.
      const what = this.prng.pick(['address', 'race', 'next-of-kin'] as const);
      if (what === 'address') {
        const [city, province, postalCode] = this.prng.pick(CITIES);
        p.address = { number: p.address.number + this.prng.int(1, 50), street: this.prng.pick(STREETS), city, province, postalCode };
      } else if (what === 'race') {
        p.race = this.prng.pick(RACES.filter((r) => r[0] !== p.race[0]));
      } else {
        p.nextOfKin = { ...p.nextOfKin, given: this.prng.pick(GIVEN_FEMALE), relationship: this.prng.pick(RELATIONSHIPS) };
      }
      this.emit(i, 'update-ignored', `ADT^${event}`, [p.emrId], this.adtSegments(i, at, event, p));
      return;
    }
    const what = this.prng.pick(['email', 'phone', 'last-name', 'last-name-and-email'] as const);
    if (what === 'phone') p.phone = this.phone();
    if (what === 'last-name' || what === 'last-name-and-email') p.family = this.prng.pick(FAMILY.filter((f) => f !== p.family));
    if (what === 'email' || what === 'last-name-and-email') {
      const n = Number(p.emrId.slice(-6));
      const before = p.email.toLowerCase();
      while (p.email.toLowerCase() === before) p.email = this.email(p.given, p.family, n, this.prng.int(1, 99));
    }
    this.emit(i, 'update', `ADT^${event}`, [p.emrId], this.adtSegments(i, at, event, p));
  }

  /** A 15-minute slot between 08:00 and 16:45 clinic time on one of the next 28 days. */
  private slot(): number {
    const localMs = this.firstDay + this.prng.int(0, 27) * 86_400_000 + (8 * 60 + 15 * this.prng.int(0, 35)) * 60_000;
    // Wall clock -> instant: the zone's offset at that moment (twice, in case a DST change lies between).
    let instant = localMs - zoneOffsetMinutes(new Date(localMs), this.zone) * 60_000;
    instant = localMs - zoneOffsetMinutes(new Date(instant), this.zone) * 60_000;
    return instant;
  }

  private book(i: number, at: Date, p: PatientState): void {
    const n = this.appointments.length + 1;
    const a: AppointmentState = {
      emrId: `A${this.tag}${String(n).padStart(6, '0')}`,
      placerId: `PL${this.tag}${String(n).padStart(6, '0')}`,
      patientEmrId: p.emrId,
      start: this.slot(),
      minutes: this.prng.pick([15, 20, 30, 30, 45, 60]),
      reason: this.prng.pick(APPOINTMENT_REASONS),
      service: this.prng.pick(SERVICES),
      provider: this.prng.pick(PROVIDERS),
      room: this.prng.pick(ROOMS),
      cancelled: false,
      noshow: false,
    };
    if (this.prng.chance(0.2)) a.equipment = this.prng.pick(EQUIPMENT);
    p.appointments++;
    this.appointments.push(a);
    this.open.push(a);
    const note = this.prng.chance(0.3) ? 'Booked by phone' : undefined;
    this.emit(i, 'book', 'SIU^S12', [p.emrId], this.siuSegments(i, at, 'S12', a, ['NEW', 'New appointment'], 'Booked', 'A', note));
  }

  private changeAppointment(i: number, at: Date, kind: FeedKind): void {
    const a = this.prng.pick(this.open);
    const close = (): void => {
      this.open.splice(this.open.indexOf(a), 1);
    };
    switch (kind) {
      case 'reschedule': {
        const before = a.start;
        while (a.start === before) a.start = this.slot();
        if (this.prng.chance(0.3)) a.minutes = this.prng.pick([15, 20, 30, 45, 60]);
        return this.emit(i, kind, 'SIU^S13', [a.patientEmrId], this.siuSegments(i, at, 'S13', a, ['RESCHED', 'Patient asked for another time'], 'Booked', 'U'));
      }
      case 'modify': {
        if (this.prng.chance(0.5)) {
          const before = a.minutes;
          while (a.minutes === before) a.minutes = this.prng.pick([15, 20, 30, 45, 60]);
        } else {
          a.room = this.prng.pick(ROOMS.filter((r) => r !== a.room));
          a.provider = this.prng.pick(PROVIDERS);
        }
        return this.emit(i, kind, 'SIU^S14', [a.patientEmrId], this.siuSegments(i, at, 'S14', a, ['MODIFY', 'Appointment details changed'], 'Booked', 'U'));
      }
      case 'cancel':
        a.cancelled = true;
        close();
        return this.emit(i, kind, 'SIU^S15', [a.patientEmrId], this.siuSegments(i, at, 'S15', a, ['PATCANC', 'Cancelled by the patient'], 'Cancelled', 'U'));
      case 'delete':
        a.cancelled = true;
        close();
        return this.emit(i, kind, 'SIU^S17', [a.patientEmrId], this.siuSegments(i, at, 'S17', a, ['ENTERR', 'Booked in error'], 'Deleted', 'U'));
      case 'noshow':
        a.noshow = true;
        close();
        return this.emit(i, kind, 'SIU^S26', [a.patientEmrId], this.siuSegments(i, at, 'S26', a, ['NOSHOW', 'Patient did not attend'], 'Noshow', 'U'));
      default:
        throw new Error(`not an appointment change: ${kind}`);
    }
  }

  private siuSegments(
    i: number,
    at: Date,
    event: string,
    a: AppointmentState,
    reason: readonly [string, string],
    status: w.FillerStatus,
    action: 'A' | 'U',
    note?: string,
  ): string[] {
    const p = this.byId.get(a.patientEmrId);
    if (!p) throw new Error('appointment of an unknown patient');
    const segments = [w.msh(this.sender, at, 'SIU', event, this.controlId(i)), w.sch(a, reason, status, this.zone), w.tq1(a, this.zone)];
    if (note) segments.push(w.nte(note));
    segments.push(w.pid(p), w.pv1('O', { room: a.room, facility: FEED_SENDER.facility }));
    segments.push(...w.resources(a, action, status, FEED_SENDER.facility, this.zone));
    return segments;
  }

  private merge(i: number, at: Date, candidates: PatientState[]): void {
    const survivor = this.prng.pick(candidates);
    const retired = this.prng.pick(candidates.filter((p) => p !== survivor));
    survivor.inMerge = true;
    retired.inMerge = true;
    retired.mergedInto = survivor.emrId;
    this.merges++;
    const segments = [w.msh(this.sender, at, 'ADT', 'A40', this.controlId(i)), w.evn('A40', at, this.zone), w.pid(survivor), w.mrg(retired.emrId)];
    this.emit(i, 'merge', 'ADT^A40', [survivor.emrId, retired.emrId], segments);
  }
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

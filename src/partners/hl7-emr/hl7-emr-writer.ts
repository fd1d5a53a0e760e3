import type { Appointment, Patient } from '@medplum/fhirtypes';
import { IDENTIFIER_SYSTEMS } from '../../domain/identifiers.js';
import type {
  AppointmentWriteChange,
  DemographicQuery,
  EmrPatientFound,
  EmrWriter,
  IdentifierKey,
} from '../../flows/sync/targets/emr/emr-writer.js';
import type { ParsedAck } from '../../hl7/ack.js';
import { MllpConnection } from '../../mllp/client.js';
import { acceptedAck } from './ack-outcome.js';
import { buildAdt, type AdtEvent } from './adt.js';
import { HL7_EMR_PARTNER, refused } from './content-checks.js';
import { partiesOf, type BuiltMessage, type Hl7Parties } from './message-header.js';
import { derivedPatientKey, emrIdOf, identifierValue } from './record-keys.js';
import { HL7_EMR_DEFAULTS, type Hl7EmrOptions } from './settings.js';
import { buildSiu, type SiuPatient } from './siu.js';

/**
 * An HL7 v2 EMR as the sync's EmrWriter (issue 9): ADT^A04/A08 for patients, SIU^S12-S15 for
 * appointments, over MLLP, one message in flight on one reused connection (original mode has no
 * correlation but order).
 *
 * What the EMR target must know:
 * - `readable` is false: the finders answer [] / null and the target relies on its links.
 * - `createPatient` returns the PID-3 MR value it sent: the EMR id when the patient carries one
 *   (identifier system IDENTIFIER_SYSTEMS.emr), else `OC-<contact number>` derived from the
 *   OnCall URL (`key`). Keep it as the EMR id: later ADT^A08 and SIU PIDs must carry it.
 * - `createAppointment` returns SCH-2 (the EMR id) when the appointment carries one, else the
 *   SCH-1 placer id (the OnCall appointment URL): pass it back to `updateAppointment`.
 * - An `ambiguous` failure (no ACK, connection lost after sending) cannot be resolved by a lookup
 *   here: the effects store must simply call the same write again. The same change builds the
 *   same MSH-10, so an EMR that stored the first one de-duplicates the second.
 */
/**
 * Beyond the EmrWriter interface, for a caller that can name the change (e.g. the platform
 * message id): folded into MSH-10 so a return to an earlier state is not taken for a resend
 * (message-header.ts, changeKeyed). Proposed for the shared interface; optional until then.
 */
export interface Hl7WriteOptions {
  changeKey?: string;
}

export class Hl7EmrWriter implements EmrWriter {
  readonly kind = 'hl7' as const;
  readonly readable = false;
  readonly label: string;
  private readonly parties: Hl7Parties;
  private readonly conn: MllpConnection;
  private readonly now: () => Date;

  constructor(opts: Hl7EmrOptions, deps: { now?: () => Date } = {}) {
    const timeoutMs = opts.timeoutMs ?? HL7_EMR_DEFAULTS.timeoutMs;
    this.label = `HL7 EMR at ${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`;
    this.parties = partiesOf(opts);
    this.now = deps.now ?? (() => new Date());
    this.conn = new MllpConnection({
      host: opts.host,
      port: opts.port,
      tls: opts.tls,
      connectTimeoutMs: timeoutMs,
      ackTimeoutMs: timeoutMs,
      partner: HL7_EMR_PARTNER,
    });
  }

  async findPatientsByIdentifier(_key: IdentifierKey): Promise<EmrPatientFound[]> {
    return [];
  }

  async findPatientsByDemographics(_q: DemographicQuery): Promise<EmrPatientFound[]> {
    return [];
  }

  async readPatient(_id: string): Promise<Patient | null> {
    return null;
  }

  async findAppointmentByIdentifier(_key: IdentifierKey): Promise<{ id: string; appointment: Appointment } | null> {
    return null;
  }

  async readAppointment(_id: string): Promise<Appointment | null> {
    return null;
  }

  async createPatient(patient: Patient, key: IdentifierKey, signal?: AbortSignal, opts: Hl7WriteOptions = {}): Promise<{ id: string }> {
    const id = emrIdOf(patient.identifier) ?? derivedPatientKey(oncallUrlOf(patient, key));
    await this.sendAdt('A04', patient, id, signal, opts);
    return { id };
  }

  async updatePatient(id: string, patient: Patient, signal?: AbortSignal, opts: Hl7WriteOptions = {}): Promise<void> {
    await this.sendAdt('A08', patient, id, signal, opts);
  }

  async createAppointment(
    appointment: Appointment,
    key: IdentifierKey,
    patients: Patient[],
    signal?: AbortSignal,
    opts: Hl7WriteOptions = {},
  ): Promise<{ id: string }> {
    const placerId = identifierValue(appointment.identifier, IDENTIFIER_SYSTEMS.oncallUrl) ?? key.value;
    const fillerId = emrIdOf(appointment.identifier);
    await this.sendSiu({ change: 'new', appointment, placerId, fillerId, patients }, signal, opts);
    return { id: fillerId ?? placerId };
  }

  async updateAppointment(
    id: string,
    appointment: Appointment,
    change: AppointmentWriteChange,
    patients: Patient[],
    signal?: AbortSignal,
    opts: Hl7WriteOptions = {},
  ): Promise<void> {
    const placerId = identifierValue(appointment.identifier, IDENTIFIER_SYSTEMS.oncallUrl) ?? id;
    // `id` is what createAppointment returned: the placer id itself when the EMR id was unknown.
    const fillerId = emrIdOf(appointment.identifier) ?? (id !== placerId ? id : undefined);
    await this.sendSiu({ change, appointment, placerId, fillerId, patients }, signal, opts);
  }

  async close(): Promise<void> {
    this.conn.close();
  }

  private async sendAdt(event: AdtEvent, patient: Patient, patientKey: string, signal: AbortSignal | undefined, opts: Hl7WriteOptions): Promise<void> {
    await this.send(buildAdt({ event, patient, patientKey, ...opts }, this.parties, this.now()), signal);
  }

  private async sendSiu(w: SiuWrite, signal: AbortSignal | undefined, opts: Hl7WriteOptions): Promise<void> {
    const { change, appointment, placerId, fillerId, patients } = w;
    const siuPatients: SiuPatient[] = patients.map((patient, i) => {
      const key = emrIdOf(patient.identifier) ?? oncallUrlKey(patient);
      if (!key) throw refused(`appointment patient ${i + 1} has neither an EMR id nor an OnCall URL: PID-3 cannot be written`);
      return { patient, key };
    });
    const input = { change, appointment, placerId, patients: siuPatients, ...(fillerId ? { fillerId } : {}), ...opts };
    await this.send(buildSiu(input, this.parties, this.now()), signal);
  }

  /** Send and read the verdict; the message built before anything goes on the wire. */
  private async send(message: BuiltMessage, signal: AbortSignal | undefined): Promise<ParsedAck> {
    signal?.throwIfAborted();
    const ackBytes = await this.conn.send(Buffer.from(message.text, 'utf8'));
    return acceptedAck(message.controlId, ackBytes);
  }
}

interface SiuWrite {
  change: AppointmentWriteChange;
  appointment: Appointment;
  placerId: string;
  fillerId: string | undefined;
  patients: Patient[];
}

function oncallUrlOf(patient: Patient, key: IdentifierKey): string {
  return key.system === IDENTIFIER_SYSTEMS.oncallUrl ? key.value : (identifierValue(patient.identifier, IDENTIFIER_SYSTEMS.oncallUrl) ?? key.value);
}

/** The key createPatient gave a patient without an EMR id, found again from its OnCall URL. */
function oncallUrlKey(patient: Patient): string | undefined {
  const url = identifierValue(patient.identifier, IDENTIFIER_SYSTEMS.oncallUrl);
  return url ? derivedPatientKey(url) : undefined;
}

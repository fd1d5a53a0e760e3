/**
 * Appointment participants from flat record fields. One cell may list several participants,
 * separated by ';' or '|', and the participant columns are aligned BY POSITION:
 *   participants.name  = "Ann Lee; Bob Roy"
 *   participants.email = "ann@x.org; bob@y.org"   → Ann ↔ ann@x.org, Bob ↔ bob@y.org
 * A gap keeps alignment ("Ann;;Cy" has no second name). Positions where every column is empty
 * (a trailing separator) are dropped. OnCall allows at most 25 participants per appointment.
 */
import type { ImportRecord } from '../mapping/import-record.js';
import type { MappingOptions } from '../mapping/template.js';

export interface ImportParticipant {
  /** 1-based position in the cells, kept for error messages. */
  readonly position: number;
  /** `participants.name`, else first + last. */
  readonly name: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly fee: string;
}

export const PARTICIPANT_FIELDS = [
  'participants.name', 'participants.firstName', 'participants.lastName', 'participants.email', 'participants.fee',
] as const satisfies readonly string[];

const SEPARATORS = { auto: /[;|]/, ';': /;/, '|': /\|/ } as const satisfies Record<string, RegExp>;

function parts(cell: string | undefined, sep: RegExp): string[] {
  if (cell === undefined || cell === '') return [];
  return cell.split(sep).map((p) => p.trim());
}

export function splitParticipants(
  record: ImportRecord, separator: MappingOptions['participantSeparator'] = 'auto',
): ImportParticipant[] {
  const sep = SEPARATORS[separator];
  const names = parts(record['participants.name'], sep);
  const firsts = parts(record['participants.firstName'], sep);
  const lasts = parts(record['participants.lastName'], sep);
  const emails = parts(record['participants.email'], sep);
  const fees = parts(record['participants.fee'], sep);
  const n = Math.max(names.length, firsts.length, lasts.length, emails.length, fees.length);
  const out: ImportParticipant[] = [];
  for (let i = 0; i < n; i++) {
    const firstName = firsts[i] ?? '';
    const lastName = lasts[i] ?? '';
    const email = emails[i] ?? '';
    const fee = fees[i] ?? '';
    const given = names[i] ?? '';
    if (given === '' && firstName === '' && lastName === '' && email === '' && fee === '') continue;
    const name = given !== '' ? given : firstName === '' ? lastName : lastName === '' ? firstName : `${firstName} ${lastName}`;
    out.push({ position: i + 1, name, firstName, lastName, email, fee });
  }
  return out;
}

/** Writes participants back into flat fields (the FHIR → record path), `;`-separated. */
export function joinParticipants(participants: readonly Omit<ImportParticipant, 'position'>[]): ImportRecord {
  // The separators cannot appear inside a value or alignment would break: replace them.
  const clean = (v: string): string => v.replace(/[;|]/g, ',');
  const out: ImportRecord = {};
  const col = (pick: (p: Omit<ImportParticipant, 'position'>) => string): string => {
    const values = participants.map((p) => clean(pick(p)));
    return values.some((v) => v !== '') ? values.join(';') : '';
  };
  const name = col((p) => p.name);
  const firstName = col((p) => p.firstName);
  const lastName = col((p) => p.lastName);
  const email = col((p) => p.email);
  const fee = col((p) => p.fee);
  if (name) out['participants.name'] = name;
  if (firstName) out['participants.firstName'] = firstName;
  if (lastName) out['participants.lastName'] = lastName;
  if (email) out['participants.email'] = email;
  if (fee) out['participants.fee'] = fee;
  return out;
}

/**
 * Turns a validation problem ({field, column, code, message}) into words for front-desk staff:
 * which column, what is wrong, and what to do about it. The shared validator's messages name
 * the field key ("birthDate is not a real calendar date"); here the key becomes the label shown
 * on the matching screen, and every code gets a concrete next step.
 */
import type { RecordType } from '../../domain/identifiers.js';
import { fieldDefinition } from '../../flows/bulk-import/mapping/fields.js';

export interface ProblemInput {
  field: string;
  column?: string | null | undefined;
  code: string;
  message: string;
  severity?: 'error' | 'warning' | undefined;
  /** The offending cell's text, when known. */
  value?: string | undefined;
}

export interface ExplainedProblem {
  fieldLabel: string;
  column: string | null;
  /** The value in the file that has the problem; null when not known (a whole-line problem). */
  value: string | null;
  problem: string;
  fix: string;
  warning: boolean;
}

const FIXES: Record<string, string> = {
  required: 'Fill in this value in the file, or match the field to another column.',
  'emr-id-missing': 'Add the patient id from your EMR on this line so the record can be found again later.',
  'duplicate-emr-id': 'Two lines share this EMR id. Keep one of them, or correct the id.',
  'invalid-email': 'Correct the e-mail address (like name@example.com), or leave the cell empty.',
  'email-in-name': 'A name cell holds an e-mail address: check the columns are matched to the right fields.',
  'invalid-date': 'Write the date in the format chosen on the matching screen, or change that format.',
  'impossible-date': 'This date does not exist (for example 30 February). Correct it in the file.',
  'birth-date-in-future': 'A date of birth cannot be in the future. Correct it in the file.',
  'unknown-sex': 'Use male, female, other or unknown, or add a translation (for example M → male) on the matching screen.',
  'invalid-phone': 'Correct the phone number (digits only, with the country code if abroad), or leave the cell empty.',
  'invalid-reference': 'Choose the clinic or provider from the list instead of a column, or correct the value.',
  'too-long': 'Shorten the value in the file.',
  'too-many-participants': 'An appointment can have at most 25 participants. Split it into several lines.',
  'participant-incomplete': 'Each participant needs a name or an e-mail address.',
  'invalid-fee': 'Write the fee as a number, like 75 or 75.00.',
  'metadata-too-many-keys': 'Match fewer extra columns: OnCall keeps at most 50 extra values per appointment.',
  'metadata-key-too-long': 'Use a shorter name for the extra value (100 characters at most).',
  'metadata-value-too-long': 'Shorten the value in the file (2,000 characters at most).',
  'metadata-key-conflict': 'Two matched columns use the same extra value name: rename one.',
  'invalid-duration': 'Write the duration as whole minutes, like 30.',
  'unknown-appointment-type': 'Use online, inperson, phone or message, or add a translation on the matching screen.',
  'datetime-required': 'Add the appointment date and time (only messages can go without).',
  'not-happening': 'Nothing to do: an appointment cancelled in the EMR is not sent to OnCall.',
  'invalid-datetime': 'Write the date and time like 2025-03-14 09:30, or change the format on the matching screen.',
  'invalid-time': 'Write the time like 09:30 or 2:30 PM.',
  'datetime-no-timezone': 'Choose the time zone of the appointments on the matching screen.',
  'missing-column': 'The file has no column with this name: match the field to another column, or add the column.',
  'wrong-cell-count': 'Check this line in a text editor: a value probably contains the separator without quotes around it.',
};

/** Codes whose shared message names a setting rather than the problem staff can see. */
const PROBLEMS: Record<string, (label: string) => string> = {
  'datetime-no-timezone': (label) => `${label} has no time zone.`,
  'missing-column': (label) => `The column matched to ${label} is not in this file.`,
};

const DEFAULT_FIX = 'Correct the value in the file and upload it again, or leave this line out of the import.';

/** "participants.email[2]" → base key "participants.email" and participant 2. */
function splitIndexed(field: string): { base: string; index: number | null } {
  const m = /^(.*)\[(\d+)\]$/.exec(field);
  return m ? { base: m[1]!, index: Number(m[2]) } : { base: field, index: null };
}

export function fieldLabel(recordType: RecordType, field: string): string {
  // A problem of the line as a whole (it could not be read as a row of the file).
  if (field === '' || field === '(row)') return 'Whole line';
  const { base, index } = splitIndexed(field);
  const def = fieldDefinition(recordType, base);
  let label = def?.label ?? base;
  // Same words as the matching screen (step-match.tsx rowLabel).
  if (def?.dynamic) {
    const id = base.slice(def.key.length);
    label = def.key === 'metadata.' ? `Extra value “${id}”` : `Roster field ${id}`;
  }
  return index !== null ? `${label} (participant ${index})` : label;
}

export function explainProblem(recordType: RecordType, p: ProblemInput): ExplainedProblem {
  const label = fieldLabel(recordType, p.field);
  let problem = p.message;
  // Messages start with the field key; replace it with the label staff saw on screen.
  if (problem.startsWith(p.field)) problem = label + problem.slice(p.field.length);
  else if (problem.startsWith(splitIndexed(p.field).base)) problem = label + problem.slice(splitIndexed(p.field).base.length);
  const own = PROBLEMS[p.code];
  if (own) problem = own(label);
  problem = problem.charAt(0).toUpperCase() + problem.slice(1);
  if (!/[.!?]$/.test(problem)) problem += '.';
  return {
    fieldLabel: label,
    column: p.column ?? null,
    value: p.value ?? null,
    problem,
    fix: FIXES[p.code] ?? DEFAULT_FIX,
    warning: p.severity === 'warning',
  };
}

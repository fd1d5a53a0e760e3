/**
 * Turns a validation problem ({field, column, code, message}) into words for front-desk staff:
 * which column, what is wrong, and what to do about it. The shared validator's messages name
 * the field key ("birthDate is not a real calendar date"); here the key becomes the label shown
 * on the matching screen, and every code gets a concrete next step.
 */
import { RECORD_TYPES, type RecordType } from '../../domain/identifiers.js';
import { fieldDefinition } from './mapping/fields.js';

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
  problem = own ? own(label) : plainPhrases(recordType, problem);
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

/**
 * Pieces of the validator's and the run's messages that name internal things (field keys,
 * value maps, transforms, OnCall division paths), in the words the pages use. Applied to any
 * message shown to staff; a message without them is returned as it was.
 */
const PHRASES: readonly [RegExp, string | ((recordType: RecordType) => string)][] = [
  [/\(fullName, or firstName \/ lastName\)/g, (t) => `(${fieldLabel(t, 'fullName')}, or ${fieldLabel(t, 'firstName')} / ${fieldLabel(t, 'lastName')})`],
  [/\(add a value map for other (codes|words)\)/g, '(add a translation for other $1 on the matching screen)'],
  [/\(add a date transform for other formats\)/g, '(choose the date format on the matching screen)'],
  [/\bunless type is message\b/g, 'unless the type is message'],
  [/^emrId already used on line (\d+)/, (t) => `${fieldLabel(t, 'emrId')} already used on line $1`],
  [/\bmetadata key\b/g, 'extra value name'],
  [/\(metadata value limit\)/g, '(extra value limit)'],
  [/^metadata has (\d+) keys/, 'there are $1 extra values'],
  // "exists in another clinic (/divisions/1/)": the path means nothing to staff.
  [/(another clinic) \([^)]*\)/g, '$1'],
];

/** "birth_date" (OnCall's key) or "birthDate" (the record's key) → the page's label, else null. */
function labelOfKey(recordType: RecordType, key: string): string | null {
  const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const { base } = splitIndexed(camel);
  const def = fieldDefinition(recordType, base) ?? fieldDefinition(recordType, base.charAt(0).toLowerCase() + base.slice(1));
  if (!def) return null;
  return fieldLabel(recordType, def.dynamic ? camel : def.key + camel.slice(base.length));
}

function plainPhrases(recordType: RecordType, text: string): string {
  let out = text;
  for (const [re, to] of PHRASES) out = out.replace(re, typeof to === 'string' ? to : to(recordType));
  return out;
}

/** The list after "updated", "differs in", "would update"/"would leave": field keys → labels. */
const FIELD_LIST = /(\b(?:updated|differs in|would update|would leave|and update) )([A-Za-z_.,\[\] 0-9]+?)(?=$| \(|;)/g;

/**
 * A line's details on the run page and in the report CSV, in the wizard's words: each problem
 * of a line left out ("birthDate is in the future; FirstName contains an e-mail address, not a
 * name") starts with the field's label, the run's outcomes name changed fields by label, and
 * no clinic path or internal word is left. Translated when shown: the stored text is unchanged.
 */
export function detailsText(type: RecordType | string, message: string | null | undefined): string {
  if (!message) return '';
  // A run's type read back from storage is a string: an unknown one keeps the field keys.
  const recordType: RecordType = (RECORD_TYPES as readonly string[]).includes(type) ? (type as RecordType) : 'contacts';
  const parts = message.split('; ').map((part) => {
    let text = part;
    const lead = /^([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)?(?:\[\d+\])?)(?= )/.exec(text);
    if (lead) {
      const label = labelOfKey(recordType, lead[1]!);
      if (label) text = label + text.slice(lead[1]!.length);
    }
    text = plainPhrases(recordType, text);
    text = text.replace(FIELD_LIST, (_, verb: string, list: string) =>
      verb + list.split(', ').map((k) => labelOfKey(recordType, k.trim()) ?? k).join(', '));
    return text;
  });
  const joined = parts.join('; ');
  return joined.charAt(0).toUpperCase() + joined.slice(1);
}

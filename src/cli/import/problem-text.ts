import type { RecordType } from '../../domain/identifiers.js';
import { fieldLabel } from './mapping-text.js';

/** A row problem as the run recorded it (validation/issues.ts). */
export interface RowProblem {
  field: string;
  column?: string;
  message: string;
}

/**
 * A problem in words: the field's label and the file's column instead of the field key
 * (`birthDate is not a real calendar date` → `Date of birth (column DOB) is not a real calendar
 * date`). Messages that do not start with their field are left as they are.
 */
export function problemText(recordType: RecordType, p: RowProblem): string {
  if (!p.field || !p.message.startsWith(`${p.field} `)) return p.message;
  const indexed = /^(.*)\[(\d+)\]$/.exec(p.field);
  const label = indexed ? `${fieldLabel(recordType, indexed[1]!)} of participant ${indexed[2]}` : fieldLabel(recordType, p.field);
  return `${label}${p.column ? ` (column ${p.column})` : ''} ${p.message.slice(p.field.length + 1)}`;
}

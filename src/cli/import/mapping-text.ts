import type { RecordType } from '../../domain/identifiers.js';
import { fieldDefinition } from '../../flows/bulk-import/mapping/fields.js';
import type { MappingTemplate, Transform } from '../../flows/bulk-import/mapping/template.js';

/**
 * A mapping as a person reads it, one line per field, from the file's column to the field's
 * label as the web UI shows it (`DOB  →  Date of birth`), never a field key.
 */
export function describeMapping(template: MappingTemplate): string[] {
  const rows = Object.entries(template.fields).map(([key, m]) => {
    const from = m.column !== undefined ? m.column : m.columns ? m.columns.join(' + ') : `"${m.constant ?? ''}" (for every row)`;
    const how = m.transforms?.length ? `   (${m.transforms.map(describeTransform).join('; ')})` : '';
    return { from, to: `${fieldLabel(template.recordType, key)}${how}` };
  });
  const width = Math.min(28, Math.max(0, ...rows.map((r) => r.from.length)));
  return rows.map((r) => `  ${r.from.padEnd(width)}  →  ${r.to}`);
}

/** The label of a field key: `birthDate` → "Date of birth", `customFields.7` → "Custom field 7". */
export function fieldLabel(recordType: RecordType, key: string): string {
  const def = fieldDefinition(recordType, key);
  if (!def) return key;
  return def.dynamic ? `${def.label} ${key.slice(def.key.length)}` : def.label;
}

const PRESETS: Record<string, string> = {
  sex: 'sex read from M/F and similar words',
  'appointment-type': 'appointment type read from words like "video" or "in person"',
};

/** What a transform does, in words. A value map shows its entries: what each code becomes. */
export function describeTransform(t: Transform): string {
  switch (t.type) {
    case 'trim': return 'spaces trimmed';
    case 'upper': return 'in capitals';
    case 'lower': return 'in small letters';
    case 'title': return 'capitalised';
    case 'join': return t.separator === undefined ? 'joined with a space' : `joined with "${t.separator}"`;
    case 'split': return `${t.part} name taken from the full name`;
    case 'value-map': {
      const entries = Object.entries(t.map ?? {}).map(([k, v]) => `${k} → ${v}`);
      const preset = t.preset ? PRESETS[t.preset] ?? 'values translated' : undefined;
      return [preset, entries.length ? `values: ${entries.join(', ')}` : undefined].filter(Boolean).join('; ');
    }
    case 'date': return t.format === 'ISO' ? 'date read as ISO 8601' : `date read as ${t.format}`;
    case 'datetime': return `date and time${t.dateFormat ? ` (date as ${t.dateFormat})` : ''}${t.timeZone ? ` in ${t.timeZone}` : ''}`;
    case 'phone': return `phone number normalised${t.defaultCountry ? ` (default country ${t.defaultCountry})` : ''}`;
    case 'strip-digits': return 'digits removed';
    case 'default': return `"${t.value}" when empty`;
  }
}

/**
 * The "how is this field read" editor works on a flat, form-friendly view of a FieldMapping
 * (checkboxes and selects) and writes the transforms back in one fixed order, so what staff
 * tick is what runs: per-column clean-ups, then the combining step, then the fallback value.
 * Transforms the editor has no control for (upper, trim) are kept as they were.
 */
import type { DateFormat } from '../../flows/bulk-import/mapping/dates.js';
import type { PhoneCountry } from '../../flows/bulk-import/mapping/phone.js';
import type { FieldMapping, Transform } from '../../flows/bulk-import/mapping/template.js';

export type ValueMapPreset = 'sex' | 'appointment-type';

export interface FieldEdit {
  source: 'none' | 'column' | 'columns' | 'constant';
  column: string | null;
  columns: string[];
  /** Put between combined columns (join). */
  separator: string;
  constant: string;
  stripDigits: boolean;
  split: 'none' | 'first' | 'last';
  title: boolean;
  lower: boolean;
  valueMap: { enabled: boolean; preset: ValueMapPreset | null; pairs: [string, string][]; emptyOthers: boolean };
  date: DateFormat | null;
  datetime: { enabled: boolean; dateFormat: DateFormat | null; timeZone: string | null };
  phone: { enabled: boolean; country: PhoneCountry | null };
  defaultValue: string;
  /** Transforms without a control here, kept in front. */
  other: Transform[];
}

export function emptyEdit(): FieldEdit {
  return {
    source: 'none', column: null, columns: [], separator: ' ', constant: '', stripDigits: false, split: 'none',
    title: false, lower: false, valueMap: { enabled: false, preset: null, pairs: [], emptyOthers: false }, date: null,
    datetime: { enabled: false, dateFormat: null, timeZone: null }, phone: { enabled: false, country: null },
    defaultValue: '', other: [],
  };
}

export function toEdit(mapping: FieldMapping | undefined): FieldEdit {
  const e = emptyEdit();
  if (!mapping) return e;
  if (mapping.constant !== undefined) {
    e.source = 'constant';
    e.constant = mapping.constant;
  } else if (mapping.columns && mapping.columns.length > 1) {
    e.source = 'columns';
    e.columns = [...mapping.columns];
  } else {
    const col = mapping.column ?? mapping.columns?.[0];
    if (col !== undefined) {
      e.source = 'column';
      e.column = col;
    }
  }
  for (const t of mapping.transforms ?? []) {
    switch (t.type) {
      case 'strip-digits': e.stripDigits = true; break;
      case 'split': e.split = t.part; break;
      case 'title': e.title = true; break;
      case 'lower': e.lower = true; break;
      case 'value-map':
        e.valueMap = {
          enabled: true, preset: t.preset ?? null, pairs: Object.entries(t.map ?? {}), emptyOthers: t.otherwise === 'empty',
        };
        break;
      case 'date': e.date = t.format; break;
      case 'datetime': e.datetime = { enabled: true, dateFormat: t.dateFormat ?? null, timeZone: t.timeZone ?? null }; break;
      case 'phone': e.phone = { enabled: true, country: t.defaultCountry ?? null }; break;
      case 'join': e.separator = t.separator ?? ' '; break;
      case 'default': e.defaultValue = t.value; break;
      default: e.other.push(t);
    }
  }
  return e;
}

/** The mapping for the edit, or undefined when the field is left out. */
export function fromEdit(e: FieldEdit): FieldMapping | undefined {
  const transforms: Transform[] = [...e.other];
  if (e.stripDigits) transforms.push({ type: 'strip-digits' });
  if (e.split !== 'none') transforms.push({ type: 'split', part: e.split });
  if (e.title) transforms.push({ type: 'title' });
  if (e.lower) transforms.push({ type: 'lower' });
  if (e.valueMap.enabled) {
    const map: Record<string, string> = {};
    for (const [from, to] of e.valueMap.pairs) if (from.trim() !== '') map[from.trim()] = to;
    const hasMap = Object.keys(map).length > 0;
    if (hasMap || e.valueMap.preset) {
      transforms.push({
        type: 'value-map',
        ...(e.valueMap.preset ? { preset: e.valueMap.preset } : {}),
        ...(hasMap ? { map } : {}),
        ...(e.valueMap.emptyOthers ? { otherwise: 'empty' as const } : {}),
      });
    }
  }
  if (e.date) transforms.push({ type: 'date', format: e.date });
  if (e.phone.enabled) transforms.push({ type: 'phone', ...(e.phone.country ? { defaultCountry: e.phone.country } : {}) });
  if (e.datetime.enabled) {
    transforms.push({
      type: 'datetime',
      ...(e.datetime.dateFormat ? { dateFormat: e.datetime.dateFormat } : {}),
      ...(e.datetime.timeZone ? { timeZone: e.datetime.timeZone } : {}),
    });
  } else if (e.source === 'columns' && e.separator !== ' ') {
    transforms.push({ type: 'join', separator: e.separator });
  }
  if (e.defaultValue !== '') transforms.push({ type: 'default', value: e.defaultValue });
  const t = transforms.length > 0 ? { transforms } : {};
  switch (e.source) {
    case 'none':
      return undefined;
    case 'constant':
      return { constant: e.constant, ...t };
    case 'column':
      return e.column ? { column: e.column, ...t } : undefined;
    case 'columns':
      if (e.columns.length === 0) return undefined;
      return e.columns.length === 1 ? { column: e.columns[0]!, ...t } : { columns: e.columns, ...t };
  }
}

export const DATE_FORMAT_EXAMPLES: Record<DateFormat, string> = {
  'YYYY-MM-DD': '2024-03-31',
  'DD/MM/YYYY': '31/03/2024',
  'MM/DD/YYYY': '03/31/2024',
  YYYYMMDD: '20240331',
  'DD.MM.YYYY': '31.03.2024',
  'DD-MM-YYYY': '31-03-2024',
  ISO: '2024-03-31T09:30:00',
};

/** Short words for the changes a mapping applies, shown as badges in the matching table. */
export function describeChanges(mapping: FieldMapping | undefined): string[] {
  if (!mapping) return [];
  const out: string[] = [];
  if (mapping.columns && mapping.columns.length > 1) out.push(`Combines ${mapping.columns.length} columns`);
  for (const t of mapping.transforms ?? []) {
    switch (t.type) {
      case 'strip-digits': out.push('Removes digits'); break;
      case 'split': out.push(t.part === 'first' ? 'Keeps the first name' : 'Keeps the last name'); break;
      case 'title': out.push('Capitalised'); break;
      case 'lower': out.push('Lower case'); break;
      case 'upper': out.push('Upper case'); break;
      case 'value-map':
        out.push(t.preset === 'sex' ? 'M/F → male/female' : t.preset === 'appointment-type' ? 'Standard visit types' : 'Translates values');
        if (t.preset && t.map && Object.keys(t.map).length > 0) out.push('+ own translations');
        break;
      case 'date': out.push(`Date read as ${t.format}`); break;
      case 'datetime': out.push(t.dateFormat ? `Date and time, ${t.dateFormat}` : 'Date and time'); break;
      case 'phone': out.push(t.defaultCountry ? `Phone, country ${t.defaultCountry}` : 'Phone cleaned'); break;
      case 'default': out.push('Fallback value'); break;
      case 'join': break;
      case 'trim': break;
    }
  }
  return out;
}

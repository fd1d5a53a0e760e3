import type { Finding, FindingKind, ReconcileType } from './reconcile-api.js';

/** What the page says for each kind of finding, and for each field: plain words, no codes. */
export const KIND_WORDS: Record<FindingKind, { label: string; color: string }> = {
  'in-sync': { label: 'In sync', color: 'green' },
  'missing-in-oncall': { label: 'Missing in OnCall', color: 'orange' },
  'missing-in-emr': { label: 'Missing in the EMR', color: 'orange' },
  different: { label: 'Different', color: 'yellow' },
  duplicated: { label: 'Duplicated in OnCall', color: 'red' },
};

export const FIELD_WORDS: Record<string, string> = {
  family: 'Last name',
  given: 'First name',
  birthDate: 'Date of birth',
  gender: 'Sex',
  email: 'E-mail',
  phone: 'Phone',
  start: 'Start',
  end: 'End',
  status: 'Status',
};

export const TYPE_WORDS: Record<ReconcileType, { label: string; one: string; emrOne: string }> = {
  contacts: { label: 'Patients and contacts', one: 'contact', emrOne: 'patient' },
  appointments: { label: 'Appointments', one: 'appointment', emrOne: 'appointment' },
};

export const sideWords = (side: 'emr' | 'oncall'): string => (side === 'emr' ? 'the EMR' : 'OnCall');

/** "contact 123" from an OnCall object URL (`…/contacts/123/`). */
export function oncallLabel(url: string | null, type: ReconcileType): string {
  if (!url) return '';
  const id = /\/(?:contacts|appointments)\/([^/?#]+)\/?$/.exec(url)?.[1];
  return id ? `${TYPE_WORDS[type].one} ${id}` : url;
}

/** What Push will do for a finding, as the confirmation says it. */
export function pushWords(f: Finding, type: ReconcileType): string {
  const t = TYPE_WORDS[type];
  if (f.kind === 'missing-in-oncall') return `A new OnCall ${t.one} is created from the EMR ${t.emrOne} and the two are linked.`;
  if (f.kind === 'missing-in-emr') return `A new EMR ${t.emrOne} is created from the OnCall ${t.one} and the two are linked.`;
  const parts = (f.fields ?? []).map((d) => {
    const to = d.owner === 'emr' ? 'OnCall' : 'the EMR';
    return `${FIELD_WORDS[d.field] ?? d.field}: ${sideWords(d.owner)} owns it, so ${to} gets ${d.owner === 'emr' ? (d.emr ?? 'no value') : (d.oncall ?? 'no value')}.`;
  });
  return parts.join(' ');
}

/** An appointment missing in the EMR is booked there by the sync back, not from this page. */
export function canPush(f: Finding, type: ReconcileType): boolean {
  return f.kind === 'different' || f.kind === 'missing-in-oncall' || (f.kind === 'missing-in-emr' && type === 'contacts');
}

export function canLink(f: Finding): boolean {
  return f.kind === 'missing-in-oncall' || f.kind === 'missing-in-emr' || f.kind === 'duplicated';
}

/**
 * The Sync page's words: message statuses, message types and channel states as the people who
 * follow the sync say them, never the stored codes (issue 8, "Seeing it work").
 */
import type { ChannelStatus, MessageStatus } from './sync-api.js';

export const MESSAGE_STATUS_TEXT = {
  received: { label: 'Waiting', color: 'blue' },
  processed: { label: 'Done', color: 'green' },
  failed: { label: 'Failed', color: 'red' },
  ignored: { label: 'Ignored (nothing to do)', color: 'gray' },
  rejected: { label: 'Refused', color: 'orange' },
} as const satisfies Record<MessageStatus, { label: string; color: string }>;

export const CHANNEL_STATE_TEXT = {
  running: { label: 'Running', color: 'green' },
  stopped: { label: 'Stopped', color: 'gray' },
  failing: { label: 'Failing', color: 'red' },
} as const satisfies Record<ChannelStatus['state'], { label: string; color: string }>;

/**
 * HL7 v2 trigger events the engine reads (HL7 v2.5.1 chapter 3, ADT, and chapter 10, SIU; see
 * docs/hl7v2-to-fhir.md), in words. A03 and A11 are acknowledged and ignored.
 */
export const HL7_EVENT_TEXT: Record<string, string> = {
  'ADT^A01': 'Patient admitted',
  'ADT^A03': 'Patient discharged',
  'ADT^A04': 'Patient registered',
  'ADT^A05': 'Patient pre-admitted',
  'ADT^A08': 'Patient updated',
  'ADT^A11': 'Admission cancelled',
  'ADT^A28': 'Person added',
  'ADT^A31': 'Person updated',
  'ADT^A40': 'Patients merged',
  'SIU^S12': 'New appointment',
  'SIU^S13': 'Appointment rescheduled',
  'SIU^S14': 'Appointment changed',
  'SIU^S15': 'Appointment cancelled',
  'SIU^S17': 'Appointment deleted',
  'SIU^S26': 'Patient did not come',
};

const MESSAGE_TYPE_TEXT: Record<string, string> = {
  ADT: 'Patient administration',
  SIU: 'Scheduling',
  ACK: 'Acknowledgement',
};

/** FHIR change-feed messages carry the resource type and the change (create, update, delete). */
const FHIR_CHANGE_TEXT: Record<string, string> = { create: 'created', update: 'updated', delete: 'deleted' };

/** "ADT^A08 Patient updated", "FHIR Patient updated", "ACK Acknowledgement"; "Not readable" without a header. */
export function messageTypeLabel(m: { messageType: string; event: string }): string {
  if (!m.messageType) return 'Not readable as HL7';
  if (/^[A-Z][a-z]/.test(m.messageType)) {
    // A FHIR resource type (Patient, Appointment), from the change feed.
    return `FHIR ${m.messageType} ${FHIR_CHANGE_TEXT[m.event] ?? m.event}`.trim();
  }
  const code = m.event ? `${m.messageType}^${m.event}` : m.messageType;
  const words = HL7_EVENT_TEXT[code] ?? MESSAGE_TYPE_TEXT[m.messageType];
  return words ? `${code} ${words}` : code;
}

/** The choices of the type filter: each whole type, then each event the engine reads. */
export const TYPE_FILTER_OPTIONS: { value: string; label: string }[] = [
  { value: 'ADT', label: 'Every ADT (patients)' },
  { value: 'SIU', label: 'Every SIU (appointments)' },
  ...Object.entries(HL7_EVENT_TEXT).map(([value, words]) => ({ value, label: `${value} ${words}` })),
];

export const CHANNEL_TEXT: Record<string, string> = { mllp: 'HL7 v2 (MLLP)', fhir: 'FHIR change feed' };

export function channelLabel(name: string): string {
  return CHANNEL_TEXT[name] ?? name;
}

/** The message list's narrow Source column: short enough to stay on one line. */
const CHANNEL_SHORT_TEXT: Record<string, string> = { mllp: 'HL7 (MLLP)', fhir: 'FHIR feed' };

export function channelShortLabel(name: string): string {
  return CHANNEL_SHORT_TEXT[name] ?? name;
}

/** "just now", "45 s ago", "3 min ago", "2 h ago", then the date. */
export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((now - t) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(t).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

/** The port a channel's detail names ("port 2576"), for the empty list's hint. */
export function portOf(detail: string): number | null {
  const m = /\bport (\d{1,5})\b/.exec(detail);
  return m ? Number(m[1]) : null;
}

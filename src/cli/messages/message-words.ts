import type { MessageDetail, MessageSummary, MessageTraceEvent } from '../../messages/types.js';

/**
 * How `ehr-bridge messages` prints messages for a person: a table for the list, a header and
 * the trace in plain words for one message. Pure functions (the tests read their output through
 * the CLI). The trace detail shapes are the listener's (`parsed` on arrival: outcome, reason,
 * ACK, errors), the processor's (src/flows/sync/trace.ts: decision summary, call method/path/
 * status/ms, error text) and reprocessing's (requeue.ts); anything else is shown as its keys.
 */

/** `2026-12-02T15:14:05.123Z` -> `2026-12-02 15:14:05` (the store's times are UTC). */
export function shortTime(iso: string | null): string {
  if (!iso) return '';
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}

export function typeOf(m: Pick<MessageSummary, 'messageType' | 'event'>): string {
  if (!m.messageType) return '(unknown)';
  return m.event ? `${m.messageType}^${m.event}` : m.messageType;
}

const STATUS_WORDS: Record<string, string> = {
  received: 'waiting',
  processed: 'processed',
  failed: 'failed',
  ignored: 'ignored',
  rejected: 'rejected',
};

/** `received` is the store's word; a person reads "waiting" (to be processed). */
export function statusWord(status: string): string {
  return STATUS_WORDS[status] ?? status;
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** The list as a table, newest first: one message a line, the error last and never cut off. */
export function messageTable(items: MessageSummary[]): string {
  const head = ['TIME (UTC)', 'ID', 'TYPE', 'STATUS', 'CONTROL ID', 'PATIENTS', 'ERROR'];
  const rows = items.map((m) => [
    shortTime(m.receivedAt),
    String(m.id),
    typeOf(m),
    statusWord(m.status),
    clip(m.controlId || '-', 24),
    clip(m.patientIds.join(',') || '-', 30),
    m.error ?? m.statusReason ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

/** Keys and values of a detail the words below do not know, on one line (long values cut: --json has them whole). */
function generic(d: Record<string, unknown>, skip: string[] = []): string {
  return Object.entries(d)
    .filter(([k, v]) => !skip.includes(k) && v !== undefined && v !== null)
    .map(([k, v]) => `${k} ${clip(typeof v === 'object' ? JSON.stringify(v) : String(v), 120)}`)
    .join(', ');
}

/**
 * The canonical events a message became (src/channels/hl7v2/types.ts `CanonicalEvent`), by
 * kind and EMR ids: the resources themselves (names, birth dates) stay out of the sentence;
 * `show --json` has them.
 */
function eventWords(events: unknown[]): string {
  return events
    .map((e) => {
      const x = rec(e);
      switch (x.type) {
        case 'patient-upsert':
          return `patient ${str(x.emrPatientId) ?? '?'} new or updated`;
        case 'patient-merge':
          return `merge of patient ${str(x.retiredId) ?? '?'} into ${str(x.survivorId) ?? '?'}`;
        case 'appointment-upsert': {
          const who = Array.isArray(x.emrPatientIds) ? x.emrPatientIds.map((p) => String(p)).join(', ') : '';
          return `appointment ${str(x.emrAppointmentId) ?? '?'}${str(x.change) ? ` (${str(x.change)})` : ''}${who ? ` for ${who}` : ''}`;
        }
        default:
          return str(x.type) ?? 'an event';
      }
    })
    .join('; ');
}

function hl7Errors(v: unknown): string | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  return v
    .map((e) => {
      const x = rec(e);
      return [str(x.code), str(x.codeText) && `(${str(x.codeText)})`, str(x.location) && `at ${str(x.location)}`].filter(Boolean).join(' ') + (str(x.text) ? `: ${str(x.text)}` : '');
    })
    .join('; ');
}

/** One trace event as a sentence. */
export function traceWords(e: Pick<MessageTraceEvent, 'kind' | 'detail'>): string {
  const d = rec(e.detail);
  switch (e.kind) {
    case 'parsed': {
      const outcome = str(d.outcome);
      if (outcome === 'rejected') return `rejected on arrival${str(d.ack) ? `, ACK ${str(d.ack)}` : ''}${hl7Errors(d.errors) ? `: ${hl7Errors(d.errors)}` : ''}`;
      if (outcome === 'ignored') return `ignored on arrival${str(d.reason) ? `: ${str(d.reason)}` : ''}`;
      if (outcome === 'accepted') {
        const w = Array.isArray(d.warnings) ? d.warnings.map((x) => (typeof x === 'string' ? x : generic(rec(x)))) : [];
        return `accepted${w.length ? ` with ${w.length === 1 ? 'a warning' : `${w.length} warnings`}: ${w.join('; ')}` : ''}`;
      }
      if (Array.isArray(d.events)) {
        const rest = generic(d, ['events']);
        return d.events.length === 0 ? `read: nothing to apply${rest ? ` (${rest})` : ''}` : `read as ${eventWords(d.events)}${rest ? ` (${rest})` : ''}`;
      }
      const rest = generic(d);
      return rest ? `read: ${rest}` : 'read';
    }
    case 'decision': {
      if (d.action === 'reprocess requested') {
        return `reprocessing requested${str(d.by) ? ` by ${str(d.by)}` : ''}${str(d.from) ? ` (was ${statusWord(str(d.from)!)})` : ''}`;
      }
      const summary = str(d.summary);
      const rest = generic(d, ['summary']);
      return summary ? `${summary}${rest ? ` (${rest})` : ''}` : rest || 'decision';
    }
    case 'call': {
      const method = str(d.method);
      const path = str(d.path) ?? str(d.url);
      if (method || path) {
        const status = d.status === null ? 'no answer' : str(d.status);
        return [`${method ?? ''} ${path ?? ''}`.trim(), status && `→ ${status}`, str(d.ms) && `(${str(d.ms)} ms)`, str(d.note)].filter(Boolean).join(' ');
      }
      return generic(d) || 'call';
    }
    case 'error': {
      const text = str(d.text) ?? str(d.message);
      const rest = generic(d, ['text', 'message']);
      return text ? `${text}${rest ? ` (${rest})` : ''}` : rest || 'error';
    }
    default:
      return generic(d);
  }
}

/** `messages show`: what the message is, where it stands, and its trace. */
export function messageDetailText(m: Omit<MessageDetail, 'raw' | 'ack'>): string {
  const rows: [string, string][] = [
    ['status', `${statusWord(m.status)}${m.statusReason && m.status !== 'failed' ? ` (${m.statusReason})` : ''}`],
    ['received', `${shortTime(m.receivedAt)} UTC${m.timesReceived > 1 ? ` (${m.timesReceived} times, last ${shortTime(m.lastReceivedAt)})` : ''}`],
    ['channel', `${m.channel}${m.remoteAddress ? ` from ${m.remoteAddress}` : ''}`],
    ['sender', [m.sendingApplication, m.sendingFacility].filter(Boolean).join(' / ') || '-'],
    ['control id', m.controlId || '-'],
    ['version', m.version || '-'],
    ['patients', m.patientIds.join(', ') || '-'],
    ['ACK sent', m.ackCode ?? 'none'],
    ['size', `${m.sizeBytes.toLocaleString('en')} bytes${m.rawTruncated ? ' (only the start was kept)' : ''}`],
    ['attempts', String(m.attempts)],
  ];
  if (m.processedAt) rows.push(['processed', `${shortTime(m.processedAt)} UTC`]);
  if (m.error) rows.push(['error', m.error]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const out = [`Message ${m.id}  ${typeOf(m)}`, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`), ''];
  if (m.trace.length === 0) {
    out.push(m.status === 'received' ? 'Trace: nothing yet (waiting to be processed)' : 'Trace: none');
  } else {
    out.push('Trace');
    const kw = Math.max(...m.trace.map((t) => t.kind.length));
    for (const t of m.trace) out.push(`  ${shortTime(t.at)}  ${t.kind.padEnd(kw)}  ${traceWords(t)}`);
  }
  return out.join('\n') + '\n';
}

/** The message text with one segment a line (HL7 ends segments with CR; a terminal needs LF). */
export function segmentsOnLines(text: string): string {
  const lines = text.split(/\r\n|\r|\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n') + '\n';
}

/** Ids for a sentence: all of them when few, else the first ones and how many more. */
export function idList(ids: number[], max = 20): string {
  if (ids.length <= max) return ids.join(', ');
  return `${ids.slice(0, max).join(', ')} … and ${(ids.length - max).toLocaleString('en')} more`;
}

/**
 * The identifier-free form of a delivered message's preview, kept once the preview's own
 * retention is over (issue 6, item 9). The preview then still shows what was sent, how and
 * when (message type, control id, document type, sizes, statuses) for support, but no longer
 * who it was about.
 *
 * Allow-list, not deny-list: a segment keeps only the fields named here (by 1-based HL7 field
 * number) and every other non-empty field becomes `***`; a segment not named here keeps its
 * id and set id only. So a segment or a field added to a format later is elided by default.
 * PID, PD1, NK1, GT1, IN1 (HL7) and P (HPRIM) keep nothing but their set id: names, birth
 * date, address, phones, SSN and identifiers (PID-3/5/7/11/13/19) all go.
 */
const ELIDED = '***';

/** Segment → fields kept (besides the segment id). Headers are kept whole. */
const KEEP_FIELDS: Record<string, readonly number[] | 'all'> = {
  MSH: 'all', // applications, facilities, time, message type, control id, version
  H: 'all', // HPRIM header: sender, receiver, time
  L: 'all', // HPRIM trailer: counts
  EVN: [1, 2],
  ORC: [1, 2, 3, 5],
  OBR: [1, 2, 3, 4, 25],
  OBX: [1, 2, 3, 11], // OBX-5 (the document, or the title) goes
  TXA: [1, 2, 3, 12, 17],
  PV1: [1, 2],
};

export function redactPreview(preview: string, format: string): string {
  if (format === 'json') return redactJsonPreview(preview);
  return redactSegments(preview);
}

/** HL7 v2 (ORU, MDM) and HPRIM: line-based segments with `|` fields. */
function redactSegments(text: string): string {
  const parts = text.split(/(\r\n|\r|\n)/);
  const fieldSep = /^MSH(.)/.exec(text)?.[1] ?? '|';
  return parts.map((p, i) => (i % 2 === 1 ? p : redactSegment(p, fieldSep))).join('');
}

function redactSegment(line: string, sep: string): string {
  if (line === '') return line;
  const fields = line.split(sep);
  const id = fields[0] ?? '';
  // The size-limit marker of messagePreview() is ours; any other line that is not a segment goes.
  if (!/^[A-Z][A-Z0-9]{0,2}$/.test(id)) return line.trim() === '' || /^<\.\.\. \d+ more characters>$/.test(line) ? line : ELIDED;
  const keep = KEEP_FIELDS[id] ?? [1];
  if (keep === 'all') return line;
  // In MSH the separator itself is field 1, so other segments' field n is fields[n].
  return fields.map((f, n) => (n === 0 || f === '' || keep.includes(n) ? f : ELIDED)).join(sep);
}

/** Paths (dot-separated, arrays transparent) whose values the JSON preview keeps. */
const JSON_KEEP = new Set([
  'format',
  'transactionId',
  'sentAt',
  'sender.application',
  'sender.facility',
  'receiver.application',
  'receiver.facility',
  'encounter.class',
  'encounter.status',
  'document.id',
  'document.type.system',
  'document.type.code',
  'document.type.display',
  'document.contentType',
  'document.date',
  'document.author.rpps',
  'document.size',
  'document.sha256',
  'document.data',
]);

function redactJsonPreview(text: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // Cut at the preview size limit, or not JSON after all: nothing is safe to keep.
    return '(message preview removed: its retention period is over)';
  }
  return JSON.stringify(redactValue(doc, ''), null, 2);
}

function redactValue(v: unknown, path: string): unknown {
  if (Array.isArray(v)) return v.map((x) => redactValue(x, path));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactValue(x, path ? `${path}.${k}` : k)]));
  }
  if (v === null || v === undefined || v === '') return v;
  return JSON_KEEP.has(path) ? v : ELIDED;
}

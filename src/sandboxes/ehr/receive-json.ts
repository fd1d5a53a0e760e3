import { createHash } from 'node:crypto';
import { ehrJsonDocumentSchema } from '../../partners/ehr/formats/json.js';
import type { EhrSandboxStore, ReceivedItem } from './store.js';

/**
 * The receiving EHR's JSON logic (HTTP `POST /json` and `.json` file drops): schema check
 * (docs/ehr-json-format.md), size and SHA-256 check, de-duplication on transactionId.
 */
export interface JsonReceiveResult {
  status: 'accepted' | 'duplicate' | 'invalid';
  stored: boolean;
  itemId?: string;
  transactionId?: string;
  errors: string[];
}

/** Validate and store a JSON document (HTTP and file drop share this). */
export function receiveJsonDocument(
  text: string,
  transport: 'http' | 'file',
  store: EhrSandboxStore,
  extra: Pick<ReceivedItem, 'files'> = {},
): JsonReceiveResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    store.add({ transport, controlId: null, messageType: 'JSON', ack: 'AE', accepted: false, errors: ['body is not JSON'], raw: text, rawElided: text, ...extra });
    return { status: 'invalid', stored: true, errors: ['body is not JSON'] };
  }
  const parsed = ehrJsonDocumentSchema.safeParse(body);
  const elided = elideJson(body);
  if (!parsed.success) {
    // Paths and messages only: zod issues do not carry the values.
    const errors = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    store.add({ transport, controlId: null, messageType: 'JSON', ack: 'AE', accepted: false, errors, raw: text, rawElided: elided, ...extra });
    return { status: 'invalid', stored: true, errors };
  }
  const doc = parsed.data;
  const data = Buffer.from(doc.document.data, 'base64');
  const errors: string[] = [];
  if (data.length !== doc.document.size) errors.push('document.size does not match the data');
  if (sha256(data) !== doc.document.sha256) errors.push('document.sha256 does not match the data');
  if (errors.length > 0) {
    store.add({ transport, controlId: doc.transactionId, messageType: 'JSON', ack: 'AE', accepted: false, errors, raw: text, rawElided: elided, ...extra });
    return { status: 'invalid', stored: true, transactionId: doc.transactionId, errors };
  }
  const key = `json:${doc.transactionId}`;
  if (store.checkDuplicate(key)) return { status: 'duplicate', stored: false, transactionId: doc.transactionId, errors: [] };
  const item = store.add(
    {
      transport,
      controlId: doc.transactionId,
      messageType: 'JSON',
      ack: 'AA',
      accepted: true,
      errors: [],
      raw: text,
      rawElided: elided,
      document: { contentType: doc.document.contentType, size: data.length, sha256: doc.document.sha256 },
      ...extra,
    },
    data,
    key,
  );
  return { status: 'accepted', stored: true, itemId: item.id, transactionId: doc.transactionId, errors: [] };
}

function elideJson(body: unknown): string {
  if (body && typeof body === 'object' && 'document' in body) {
    const b = body as { document?: { data?: unknown } };
    if (b.document && typeof b.document.data === 'string') {
      return JSON.stringify({ ...b, document: { ...b.document, data: `<base64 elided: ${b.document.data.length} chars>` } });
    }
  }
  return JSON.stringify(body);
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

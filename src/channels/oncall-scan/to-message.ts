import { projectionHash } from '../../links/link-store.js';
import type { IncomingMessage } from '../../messages/types.js';

/**
 * One record a scan found new or changed, as one stored message (channel `oncall-scan`,
 * design of issue 9). The control id names the content (`<kind>:<url>:<hash>`), so a rescan
 * that meets the same content again (a crash between storing and marking) is a duplicate the
 * store recognises, never a second message. The patient key is `oncall:<url>`: messages about
 * one record are applied in arrival order.
 */
export const SCAN_CHANNEL = 'oncall-scan';

/** What a scan lists (the OnCall collection) and what one record of it is. */
export const SCAN_KINDS = ['contacts', 'appointments'] as const;
export type ScanKind = (typeof SCAN_KINDS)[number];
export type ScanRecordKind = 'contact' | 'appointment';

export const RECORD_KIND: Record<ScanKind, ScanRecordKind> = { contacts: 'contact', appointments: 'appointment' };

export function isScanKind(v: unknown): v is ScanKind {
  return typeof v === 'string' && (SCAN_KINDS as readonly string[]).includes(v);
}

/** Stable over key order (link-store.ts projectionHash), so the same record always hashes the same. */
export function recordHash(record: unknown): string {
  return projectionHash(record);
}

export function scanControlId(kind: ScanRecordKind, url: string, hash: string): string {
  return `${kind}:${url}:${hash}`;
}

export function scanMessage(kind: ScanRecordKind, url: string, hash: string, record: unknown): IncomingMessage {
  return {
    channel: SCAN_CHANNEL,
    raw: Buffer.from(JSON.stringify(record), 'utf8'),
    header: {
      sendingApplication: 'oncall',
      sendingFacility: '',
      controlId: scanControlId(kind, url, hash),
      messageType: 'SCAN',
      event: kind,
      version: '',
    },
    status: 'received',
    patientIds: [`oncall:${url}`],
    ack: null,
    ackCode: null,
  };
}

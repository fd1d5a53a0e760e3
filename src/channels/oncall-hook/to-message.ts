import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from '../../messages/types.js';
import { ONCALL_HOOK_CHANNEL } from './settings.js';

export const ONCALL_HOOK_EVENTS = ['appointment_created', 'appointment_updated'] as const;
export type OncallHookEvent = (typeof ONCALL_HOOK_EVENTS)[number];

/** The ordering key of one OnCall record among the messages (`message_patients`). */
export function oncallRecordKey(url: string): string {
  return `oncall:${url}`;
}

/**
 * One delivery as one stored message (design.md, issue 9): the body bytes as received, a fresh
 * control id per delivery (OnCall sends none, and a repeated delivery is still worth one GET:
 * the body never says what changed), keyed by the appointment's canonical URL so deliveries of
 * one appointment are applied in arrival order.
 */
export function hookMessage(opts: { raw: Buffer; event: OncallHookEvent; url: string; remoteAddress?: string }): IncomingMessage {
  return {
    channel: ONCALL_HOOK_CHANNEL,
    raw: opts.raw,
    ...(opts.remoteAddress ? { remoteAddress: opts.remoteAddress } : {}),
    header: { sendingApplication: 'oncall', sendingFacility: '', controlId: randomUUID(), messageType: 'WEBHOOK', event: opts.event, version: '' },
    status: 'received',
    patientIds: [oncallRecordKey(opts.url)],
    ack: null,
    ackCode: null,
  };
}

import type { Hl7Error } from '../hl7v2/types.js';
import type { Arrival } from './arrival.js';
import type { IncomingMessage, MessageHeader } from '../../messages/types.js';

/**
 * What the message store keeps of one HL7 v2 message as read on arrival (`readArrival`, or a
 * full `parseInbound` result): header fields to search by, the patient ids, the decision taken
 * on arrival and the ACK to send once stored. Error texts come from the parser, which names
 * fields and rules, never values.
 */
export function toIncoming(
  channel: string,
  raw: Buffer,
  result: Arrival,
  ack: Buffer | null,
  extra: { remoteAddress?: string; sizeBytes?: number; contentHash?: string } = {},
): IncomingMessage {
  const header: MessageHeader | null = result.header
    ? {
        sendingApplication: result.header.sendingApplication,
        sendingFacility: result.header.sendingFacility,
        controlId: result.header.controlId,
        messageType: result.header.messageType.split('^')[0] ?? '',
        event: result.header.event,
        version: result.header.version,
      }
    : null;
  const base = { channel, raw, header, ack, remoteAddress: extra.remoteAddress, sizeBytes: extra.sizeBytes, contentHash: extra.contentHash };
  switch (result.kind) {
    case 'accepted':
      return {
        ...base,
        status: 'received',
        patientIds: result.patientIds,
        ackCode: ack ? 'AA' : null,
        // Warnings (charset guessed, lines skipped) are only known now: kept; the events are
        // recorded by processing.
        ...(result.warnings ? { parsed: { outcome: 'accepted', warnings: result.warnings } } : {}),
      };
    case 'ignored':
      return {
        ...base,
        status: 'ignored',
        statusReason: result.reason,
        patientIds: result.patientIds ?? [],
        ackCode: ack ? 'AA' : null,
        parsed: { outcome: 'ignored', reason: result.reason },
      };
    case 'rejected':
      return {
        ...base,
        status: 'rejected',
        statusReason: result.errors[0]?.codeText ?? 'rejected',
        patientIds: [],
        ackCode: result.ack,
        error: errorText(result.errors),
        parsed: { outcome: 'rejected', ack: result.ack, errors: result.errors },
      };
  }
}

export function errorText(errors: Hl7Error[]): string {
  return errors
    .map((e) => [e.code, e.codeText && `(${e.codeText})`, e.location && `at ${e.location}`].filter(Boolean).join(' ') + `: ${e.text}`)
    .join('; ');
}

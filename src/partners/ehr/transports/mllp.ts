import { ackReason, parseAck, type ParsedAck } from '../../../hl7/ack.js';
import { MllpConnection, sendMllp, type MllpClientOptions } from '../../../mllp/client.js';
import { PartnerError } from '../../partner-error.js';
import type { RenderedEhrPayload } from '../formats/index.js';

/**
 * Deliver an HL7 message over MLLP and read the receiver's verdict (HL7 v2.5 ch. 2.9):
 * - AA / CA: delivered;
 * - AE / CE: permanent, the EHR refused the content (reason from MSA-3 and ERR);
 * - AR / CR: transient, the receiver could not take it now (may be resent unchanged);
 * - no ACK, unreadable ACK, ACK for another MSH-10: ambiguous (it may have been stored; the
 *   resend carries the same MSH-10 so the EHR can de-duplicate);
 * - refused / unreachable: transient (from the MLLP client).
 */
export interface MllpTransportOptions extends MllpClientOptions {
  /** Reuse this connection instead of one connection per message. */
  connection?: MllpConnection;
}

export interface MllpDelivery {
  transport: 'mllp';
  controlId: string;
  ack: ParsedAck;
  ackBytes: Buffer;
}

/** A negative ACK; `ack` carries the codes and texts for the delivery report. */
export class EhrAckError extends PartnerError {
  readonly ack: ParsedAck;

  constructor(partner: string, kind: 'permanent' | 'transient', ack: ParsedAck) {
    super(partner, kind, `EHR answered ${ack.ackCode}: ${ackReason(ack)}`);
    this.name = 'EhrAckError';
    this.ack = ack;
  }
}

export async function deliverOverMllp(opts: MllpTransportOptions, payload: RenderedEhrPayload): Promise<MllpDelivery> {
  if (payload.format !== 'hl7-oru' && payload.format !== 'hl7-mdm') {
    throw new Error(`MLLP carries HL7 v2 messages, not ${payload.format}`);
  }
  const partner = opts.partner ?? 'ehr-mllp';
  const ackBytes = opts.connection ? await opts.connection.send(payload.main.bytes) : await sendMllp(opts, payload.main.bytes);
  return interpretAck(partner, payload.controlId, ackBytes);
}

export function interpretAck(partner: string, controlId: string, ackBytes: Buffer): MllpDelivery {
  let ack: ParsedAck;
  try {
    ack = parseAck(ackBytes);
  } catch (err) {
    throw new PartnerError(partner, 'ambiguous', `unreadable ACK (${(err as Error).message})`, { cause: err });
  }
  if (ack.acknowledgedControlId !== controlId) {
    // Not the answer to this message (a receiver mixing up connections): outcome unknown.
    throw new PartnerError(partner, 'ambiguous', `ACK is for control id "${ack.acknowledgedControlId}", not "${controlId}"`);
  }
  switch (ack.ackCode) {
    case 'AA':
    case 'CA':
      return { transport: 'mllp', controlId, ack, ackBytes };
    case 'AE':
    case 'CE':
      throw new EhrAckError(partner, 'permanent', ack);
    case 'AR':
    case 'CR':
      throw new EhrAckError(partner, 'transient', ack);
  }
}

import type { ParsedAck } from '../../hl7/ack.js';
import { EhrAckError, interpretAck } from '../ehr/transports/mllp.js';
import { PartnerError } from '../partner-error.js';
import { HL7_EMR_PARTNER } from './content-checks.js';

/**
 * The EMR's ACK, read with the EHR delivery's rules (src/partners/ehr/transports/mllp.ts,
 * HL7 v2.5.1 ch. 2.9): AA done; AE permanent (the content must change); AR transient (may be
 * resent unchanged); unreadable, or for another MSH-10: ambiguous.
 *
 * The error text keeps what is coded (MSA-1, ERR-3 code and its table text, ERR-2 location) and
 * leaves out MSA-3 and ERR-8: free text in which an EMR may quote the refused value, a patient's
 * name or birth date. The whole ACK stays on the error (`ack`) for whoever may see it.
 */
export class Hl7EmrAckError extends PartnerError {
  readonly ack: ParsedAck;

  constructor(kind: 'permanent' | 'transient', ack: ParsedAck, cause: unknown) {
    super(HL7_EMR_PARTNER, kind, `HL7 EMR answered ${ack.ackCode}: ${codedReason(ack)}`, { cause });
    this.name = 'Hl7EmrAckError';
    this.ack = ack;
  }
}

export function codedReason(ack: ParsedAck): string {
  const parts = ack.errors
    .map((e) => [e.code, e.codeText, e.location && `at ${e.location}`].filter(Boolean).join(' '))
    .filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : 'no ERR code given (MSA-3 text withheld: it may quote patient data)';
}

/** Returns the parsed ACK when accepted; throws a classified PartnerError otherwise. */
export function acceptedAck(controlId: string, ackBytes: Buffer): ParsedAck {
  try {
    return interpretAck(HL7_EMR_PARTNER, controlId, ackBytes).ack;
  } catch (err) {
    if (err instanceof EhrAckError) throw new Hl7EmrAckError(err.kind === 'permanent' ? 'permanent' : 'transient', err.ack, err);
    throw err;
  }
}

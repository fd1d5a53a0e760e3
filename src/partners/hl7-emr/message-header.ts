import { IDENTIFIER_SYSTEMS } from '../../domain/identifiers.js';
import { msh18For } from '../../hl7/charset.js';
import { deriveControlId } from '../../hl7/control-id.js';
import { buildContext, joinSegments, ts, type BuildContext } from '../../hl7/segments.js';
import { HL7_EMR_DEFAULTS, type Hl7EmrOptions } from './settings.js';

/**
 * MSH and EVN of the messages written to an HL7 v2 EMR, and their stable control id.
 * HL7 v2.5.1, UTF-8 (MSH-18 `UNICODE UTF-8`), original acknowledgement mode (MSH-15/16 empty:
 * one ACK per message), every timestamp in UTC.
 */
export const HL7_EMR_VERSION = '2.5.1';

/** Assigning authority (CX.4 namespace) of the OnCall ids in PID-3 and SCH-1. */
export const ONCALL_AUTHORITY = 'ONCALL';

export type Hl7Parties = Required<Pick<Hl7EmrOptions, 'sendingApplication' | 'sendingFacility' | 'receivingApplication' | 'receivingFacility' | 'processingId'>>;

export function partiesOf(opts: Partial<Hl7EmrOptions>): Hl7Parties {
  return {
    sendingApplication: opts.sendingApplication ?? HL7_EMR_DEFAULTS.sendingApplication,
    sendingFacility: opts.sendingFacility ?? HL7_EMR_DEFAULTS.sendingFacility,
    receivingApplication: opts.receivingApplication ?? HL7_EMR_DEFAULTS.receivingApplication,
    receivingFacility: opts.receivingFacility ?? HL7_EMR_DEFAULTS.receivingFacility,
    processingId: opts.processingId ?? HL7_EMR_DEFAULTS.processingId,
  };
}

/** A build context writing UTC times and naming the PID-3 authorities (EMR ids, OnCall URLs). */
export function emrBuildContext(parties: Hl7Parties, now: Date): BuildContext {
  return buildContext({
    now,
    timeZone: 'UTC',
    charset: 'UTF-8',
    authorityNames: { [IDENTIFIER_SYSTEMS.emr]: parties.receivingApplication, [IDENTIFIER_SYSTEMS.oncallUrl]: ONCALL_AUTHORITY },
  });
}

/** MSH (v2.5.1 ch. 2.14.9); `type` is MSH-9: code, trigger event, structure. */
export function mshFor(ctx: BuildContext, parties: Hl7Parties, type: readonly [string, string, string], controlId: string): string {
  const { w } = ctx;
  return w.msh([
    w.esc(parties.sendingApplication), // MSH-3
    w.esc(parties.sendingFacility), // MSH-4
    w.esc(parties.receivingApplication), // MSH-5
    w.esc(parties.receivingFacility), // MSH-6
    ts(ctx, ctx.now), // MSH-7, UTC
    '', // MSH-8
    w.comp(...type.map((t) => w.esc(t))), // MSH-9
    w.esc(controlId), // MSH-10
    parties.processingId, // MSH-11
    HL7_EMR_VERSION, // MSH-12
    '', '', '', '', '', // MSH-13..17 (15/16 empty: original acknowledgement mode)
    msh18For('UTF-8'), // MSH-18
  ]);
}

/** EVN-1 event type (kept for older receivers), EVN-2 recorded date/time (required). */
export function evnFor(ctx: BuildContext, event: string): string {
  return ctx.w.segment('EVN', [event, ts(ctx, ctx.now)]);
}

export interface BuiltMessage {
  /** The message, segments ending with CR. */
  text: string;
  /** MSH-10. */
  controlId: string;
  /** `ADT^A04`, `SIU^S12`... for traces. */
  messageType: string;
}

/**
 * The record key, with the change's own name when the caller has one. Content alone cannot tell
 * a resend from a return to an earlier state (3 pm -> 4 pm -> 3 pm: the third message has the
 * first one's content, hence its MSH-10, and a de-duplicating EMR would drop it and stay at 4 pm).
 * A key that names the change (the platform message id, the effect key) tells them apart, and is
 * the same on every resend of that change.
 */
export function changeKeyed(recordKey: string, changeKey: string | undefined): string {
  return changeKey ? `${recordKey}\n${changeKey}` : recordKey;
}

/** Where the content is fixed for the control id: no real message carries this instant. */
const HASH_INSTANT = new Date(0);

/**
 * Build a message whose MSH-10 is the same for the same change: a short hash of the record key
 * and of the message content with its instants (MSH-7, EVN-2) fixed and MSH-10 empty. A resend
 * after a lost ACK then carries the same control id and the EMR de-duplicates it (HL7 v2.5.1
 * 2.10.3: the receiver uses MSH-10 to detect duplicates), whatever time it is sent at.
 *
 * `segments(ctx, controlId)` writes the message's segments; it is called twice.
 */
export function buildWithStableControlId(
  recordKey: string,
  messageType: string,
  parties: Hl7Parties,
  now: Date,
  segments: (ctx: BuildContext, controlId: string) => string[],
): BuiltMessage {
  const content = joinSegments(segments(emrBuildContext(parties, HASH_INSTANT), ''));
  const controlId = deriveControlId(`hl7-emr\n${recordKey}\n${content}`);
  const text = joinSegments(segments(emrBuildContext(parties, now), controlId));
  return { text, controlId, messageType };
}

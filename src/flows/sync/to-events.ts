import { parseInbound } from '../../channels/hl7v2/inbound.js';
import type { CanonicalEvent, InboundOptions } from '../../channels/hl7v2/types.js';
import type { PlatformRecordEvent } from './platform-events.js';

/** Everything a stored message can become: EMR events (to the platforms) or platform records (to the EMR). */
export type SyncEvent = CanonicalEvent | PlatformRecordEvent;

/** What one stored message becomes, read again from its raw bytes with today's configuration. */
export type Decoded =
  | { kind: 'events'; events: SyncEvent[]; warnings: string[] }
  /** Nothing to apply (an A03, an ACK), with the reason in words. */
  | { kind: 'nothing'; reason: string }
  /** The content cannot be used (with today's configuration either). */
  | { kind: 'refused'; reason: string };

export interface StoredForDecoding {
  channel: string;
  raw: Buffer;
  event: string;
}

/** A channel's decoder: how its stored messages become canonical events. */
export type ChannelDecoder = (m: StoredForDecoding) => Decoded;

export function hl7Decoder(opts: InboundOptions): ChannelDecoder {
  return (m) => {
    const r = parseInbound(m.raw, opts);
    if (r.kind === 'accepted') return { kind: 'events', events: r.events, warnings: r.warnings ?? [] };
    if (r.kind === 'ignored') return { kind: 'nothing', reason: r.reason };
    return { kind: 'refused', reason: r.errors.map((e) => e.text).join('; ') };
  };
}

/** Decoders per channel name: a new source adds its own, processing knows canonical events only. */
export type Decoders = ReadonlyMap<string, ChannelDecoder>;

export function decodeStored(decoders: Decoders, m: StoredForDecoding): Decoded {
  const decoder = decoders.get(m.channel);
  if (!decoder) return { kind: 'refused', reason: `no decoder for channel ${m.channel}` };
  return decoder(m);
}

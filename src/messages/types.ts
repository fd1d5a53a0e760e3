/**
 * The message store's vocabulary (issue 8, "channels and the message store").
 *
 * A message's life: `received` (stored, acknowledged, waiting to be processed) then `processed`
 * or `failed`; or, decided on arrival, `ignored` (nothing to do: A03/A11, an inbound ACK) or
 * `rejected` (AE/AR: unusable content, or bytes that are not HL7, kept for inspection).
 */
export const MESSAGE_STATUSES = ['received', 'processed', 'failed', 'ignored', 'rejected'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** What a channel decides on arrival; processing moves `received` on later. */
export type ArrivalStatus = Extract<MessageStatus, 'received' | 'ignored' | 'rejected'>;

export const TRACE_KINDS = ['parsed', 'decision', 'call', 'error'] as const;
export type TraceKind = (typeof TRACE_KINDS)[number];

export const ACK_CODES_SENT = ['AA', 'AE', 'AR'] as const;
export type AckCodeSent = (typeof ACK_CODES_SENT)[number];

/** The identifying part of a message header (HL7 MSH; other channels fill what they have). */
export interface MessageHeader {
  sendingApplication: string;
  sendingFacility: string;
  controlId: string;
  /** e.g. `ADT` (MSH-9.1). */
  messageType: string;
  /** e.g. `A08` (MSH-9.2). */
  event: string;
  version: string;
}

/** One message as a channel hands it to the store, with the ACK it will send once stored. */
export interface IncomingMessage {
  channel: string;
  /** The bytes as received (or their start only when the message was refused for its size). */
  raw: Buffer;
  /** Size as received, when larger than `raw` (a refused oversize frame). */
  sizeBytes?: number;
  remoteAddress?: string;
  header: MessageHeader | null;
  status: ArrivalStatus;
  /** Why it was ignored or rejected, in words (never patient data). */
  statusReason?: string;
  patientIds: string[];
  /** The reply to send once stored (null: none, e.g. to an ACK). */
  ack: Buffer | null;
  ackCode: AckCodeSent | null;
  /** Error text for a rejected message (field names and rules, never values). */
  error?: string;
  /**
   * Detail of a `parsed` trace event written with the message: why it was refused or ignored.
   * Unset for a message taken in: processing parses it from the store and records what it
   * became then (with the configuration of that moment), so the hot path writes one row less.
   */
  parsed?: Record<string, unknown>;
  /** SHA-256 of `raw` (hex) when the channel already computed it (the MLLP ACK's id uses it). */
  contentHash?: string;
}

export interface StoredReceipt {
  id: number;
  /** The ACK to send: for a resend, the one stored with the first copy. */
  ack: Buffer | null;
  /** Already stored: a resend after a lost ACK (or two copies in flight at once). */
  duplicate: boolean;
  status: MessageStatus;
}

/** A message in a list (never its body). */
export interface MessageSummary {
  id: number;
  channel: string;
  receivedAt: string;
  lastReceivedAt: string;
  timesReceived: number;
  status: MessageStatus;
  statusReason: string | null;
  messageType: string;
  event: string;
  version: string;
  controlId: string;
  sendingApplication: string;
  sendingFacility: string;
  sizeBytes: number;
  ackCode: string | null;
  error: string | null;
  attempts: number;
  processedAt: string | null;
  patientIds: string[];
}

export interface MessageTraceEvent {
  id: number;
  at: string;
  kind: TraceKind;
  detail: unknown;
}

export interface MessageDetail extends MessageSummary {
  remoteAddress: string | null;
  contentHash: string;
  rawTruncated: boolean;
  raw: Buffer;
  ack: Buffer | null;
  trace: MessageTraceEvent[];
}

export interface MessageFilter {
  status?: MessageStatus;
  /** `ADT`, or `ADT^A08` / `ADT_A08`. */
  messageType?: string;
  event?: string;
  patientId?: string;
  controlId?: string;
  channel?: string;
  /** Keyset cursor: messages strictly before this (received_at, id). */
  before?: { receivedAt: string; id: number };
  /** Only messages received at or after this ISO time. */
  since?: string;
  limit?: number;
}

export interface MessagePage {
  items: MessageSummary[];
  /** Cursor for the next (older) page; null on the last page. */
  next: { receivedAt: string; id: number } | null;
}

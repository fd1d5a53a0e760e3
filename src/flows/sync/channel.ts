/**
 * A sync source (issue 8, "channels"): something that takes messages from an EMR and stores
 * them in the message store before acknowledging them. The MLLP listener and the FHIR change
 * feed are channels; later the partner webhooks. Processing never talks to a channel: it reads
 * what the channel stored, so a channel only has to start, stop and say how it is doing.
 */
export interface ChannelStatus {
  /** Stable name, also the `channel` column of the messages it stores (e.g. `mllp`, `fhir`). */
  name: string;
  /** What kind of source it is, in words for the Sync page ("HL7 v2 over MLLP", "FHIR R4 change feed"). */
  kind: string;
  state: 'running' | 'stopped' | 'failing';
  /** Where it listens or what it polls, in words (e.g. "port 2576", "http://…/fhir every 5 s"). */
  detail: string;
  /** Messages stored since this process started (first copies). */
  received: number;
  /** Resends recognised and answered without storing twice. */
  duplicates: number;
  /** Messages refused (AE/AR, undecodable payloads). */
  rejected: number;
  /** Failures of the channel itself (store errors, a feed that cannot reach its server). */
  errors: number;
  lastMessageAt: string | null;
  /** The last failure of the channel, in words without patient data. */
  lastError: string | null;
}

export interface SyncChannel {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): ChannelStatus;
}

/** What the Sync page and `GET /api/sync/status` show. */
export interface SyncStatus {
  channels: ChannelStatus[];
  processing: {
    /** Whether this process runs the sync processor. */
    running: boolean;
    /** Messages stored and not yet processed (all processes). */
    waiting: number;
    /** Received time of the oldest waiting message. */
    oldestWaitingAt: string | null;
    /** Messages whose processing failed (they can be reprocessed). */
    failed: number;
    /** Messages processed in the last hour. */
    processedLastHour: number;
  };
  /** Where the records go. */
  target: { name: string; baseUrl: string | null };
}

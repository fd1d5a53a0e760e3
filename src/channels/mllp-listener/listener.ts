import { readFileSync } from 'node:fs';
import type tls from 'node:tls';
import type { Logger } from 'pino';
import { HL7_ERROR_CODES } from '../../hl7/ack.js';
import type { MessageStore } from '../../messages/message-store.js';
import type { MllpListenerSettings } from '../../messages/settings.js';
import type { MllpFrameError } from '../../mllp/framer.js';
import { createMllpServer, type MllpRemote, type MllpServer } from '../../mllp/server.js';
import { createHash } from 'node:crypto';
import { MAX_CONTROL_ID_LENGTH } from '../../hl7/control-id.js';
import { buildInboundAck, parseInbound } from '../hl7v2/inbound.js';
import { readArrival, type Arrival } from './arrival.js';
import { toIncoming } from './to-incoming.js';

/** Bytes of a refused oversize frame kept for inspection (enough for its MSH and more). */
export const OVERSIZE_HEAD_BYTES = 4096;

export interface MllpListenerDeps {
  messages: MessageStore;
  logger?: Logger;
  /** The channel name messages are stored under; default `mllp`. */
  channel?: string;
}

export interface MllpListenerStats {
  /** Messages stored (first copies). */
  stored: number;
  /** Resends answered with the stored ACK. */
  duplicates: number;
  rejected: number;
  /** Frames refused for their size. */
  oversize: number;
  /** Messages not acknowledged because the store failed (the sender resends). */
  storeErrors: number;
  lastMessageAt: string | null;
  openConnections: number;
}

export class MllpPortInUseError extends Error {
  override name = 'MllpPortInUseError';
}

/**
 * The engine's inbound MLLP listener (issue 8, source 1). Per frame: parse, store durably (one
 * group-committed transaction), and only then answer: AA for a message taken in or ignored
 * (A03, A11), AE/AR with ERR for one it refuses (kept as `rejected` with its raw bytes), nothing
 * to an ACK. A crash between the store and the ACK is harmless: the sender resends, the store
 * recognises the copy and the same ACK goes back.
 */
export class MllpListener {
  private server: MllpServer | undefined;
  private readonly channel: string;
  private readonly counters = { stored: 0, duplicates: 0, rejected: 0, oversize: 0, storeErrors: 0 };
  /** Epoch ms of the last message stored (formatted when asked: the hot path only reads the clock). */
  private lastMessageMs: number | null = null;

  constructor(
    readonly settings: MllpListenerSettings,
    private readonly deps: MllpListenerDeps,
  ) {
    this.channel = deps.channel ?? 'mllp';
  }

  async start(): Promise<{ host: string; port: number }> {
    if (this.server) throw new Error('MLLP listener already started');
    const s = this.settings;
    const server = createMllpServer({
      onMessage: (raw, remote) => this.onMessage(raw, remote),
      maxFrameBytes: s.maxFrameBytes,
      maxConnections: s.maxConnections,
      idleTimeoutMs: s.idleTimeoutSeconds * 1000,
      tls: s.tls ? tlsOptions(s.tls) : undefined,
      keepOversizeHeadBytes: OVERSIZE_HEAD_BYTES,
      oversizeReply: (err, remote) => this.onOversize(err, remote),
      onFrameError: (err, remote) => this.deps.logger?.warn({ code: err.code, droppedBytes: err.droppedBytes, connection: remote.connectionId }, 'mllp listener: frame dropped'),
      onHandlerError: (err, remote) =>
        this.deps.logger?.error({ err: errorSummary(err), connection: remote.connectionId }, 'mllp listener: message not stored; connection closed without an ACK'),
    });
    try {
      const addr = await server.listen(s.port, s.host);
      this.server = server;
      return addr;
    } catch (e) {
      await server.close();
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') {
        throw new MllpPortInUseError(
          `MLLP port ${s.port} on ${s.host} is already in use: choose another with --mllp-port or EHR_BRIDGE_MLLP_PORT (0 picks a free port)`,
          { cause: e },
        );
      }
      throw new Error(`cannot open the MLLP listener on ${s.host}:${s.port} (${code ?? (e as Error).message})`, { cause: e });
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.close();
  }

  port(): number | undefined {
    return this.server?.port;
  }

  stats(): MllpListenerStats {
    return { ...this.counters, lastMessageAt: this.lastMessageMs === null ? null : new Date(this.lastMessageMs).toISOString(), openConnections: this.server?.openConnections ?? 0 };
  }

  /**
   * The decision on arrival. Issue 8 asks for AE at once for content the engine cannot use (a bad
   * date, an SIU with no start time), so a message is mapped in full here, once; its events are
   * not kept (processing maps the stored bytes again with the configuration of that moment).
   * readArrival (header only) serves the refused head of an oversize frame.
   */
  private parse(raw: Buffer): Arrival {
    try {
      const r = parseInbound(raw, { charset: this.settings.charset, emrIdType: this.settings.emrIdType });
      if (r.kind !== 'accepted') return r;
      return { kind: 'accepted', header: r.header, patientIds: r.patientIds, ...(r.warnings?.length ? { warnings: r.warnings } : {}) };
    } catch {
      // A parser bug must not cost the message: it is kept for inspection and refused with AR
      // (the sender may resend it unchanged once the engine is fixed).
      const { code, codeText } = HL7_ERROR_CODES.applicationError;
      return { kind: 'rejected', ack: 'AR', header: null, errors: [{ code, codeText, text: 'the engine could not read this message' }] };
    }
  }

  private async onMessage(raw: Buffer, remote: MllpRemote): Promise<Buffer | null> {
    const result = this.parse(raw);
    return this.store(raw, result, remote);
  }

  private async onOversize(err: MllpFrameError, remote: MllpRemote): Promise<Buffer | null> {
    this.counters.oversize++;
    const head = err.head ?? Buffer.alloc(0);
    const header = head.length > 0 ? headerOf(head, this.settings) : null;
    const { code, codeText } = HL7_ERROR_CODES.applicationError;
    const result: Arrival = {
      kind: 'rejected',
      ack: 'AR',
      header,
      errors: [{ code, codeText, text: `message larger than ${this.settings.maxFrameBytes} bytes: refused (EHR_BRIDGE_MLLP_MAX_FRAME_BYTES)` }],
    };
    return this.store(head, result, remote, err.droppedBytes);
  }

  private async store(raw: Buffer, result: Arrival, remote: MllpRemote, sizeBytes?: number): Promise<Buffer | null> {
    const isAck = result.kind === 'ignored' && result.reason === 'ack';
    // One SHA-256 for both: the store's de-duplication key and the ACK's MSH-10 (buildInboundAck
    // derives the same id from the same hash when not given one: a resend gets the same ACK).
    const hash = createHash('sha256').update(raw).digest('hex');
    const ack = isAck
      ? null
      : buildInboundAck(result.kind === 'accepted' ? { ...result, events: [] } : result, raw, {
          controlId: hash.slice(0, MAX_CONTROL_ID_LENGTH).toUpperCase(),
          // MSH-7 of the ACK in UTC (+0000), not the EHR delivery's Europe/Paris default: the
          // inbound sync's times default to UTC too (EHR_BRIDGE_SYNC_TIME_ZONE).
          timeZone: 'UTC',
        });
    const incoming = toIncoming(this.channel, raw, result, ack, { remoteAddress: remote.address, sizeBytes, contentHash: hash });
    let receipt;
    try {
      receipt = await this.deps.messages.receive(incoming);
    } catch (e) {
      this.counters.storeErrors++;
      throw e;
    }
    this.lastMessageMs = Date.now();
    if (receipt.duplicate) this.counters.duplicates++;
    else if (result.kind === 'rejected') this.counters.rejected++;
    else this.counters.stored++;
    return receipt.ack;
  }
}

/** The header of a refused oversize frame's head (its rest is missing: no full mapping). */
function headerOf(head: Buffer, s: MllpListenerSettings): Arrival['header'] {
  try {
    return readArrival(head, { charset: s.charset, emrIdType: s.emrIdType }).header;
  } catch {
    return null;
  }
}

function tlsOptions(t: NonNullable<MllpListenerSettings['tls']>): tls.TlsOptions {
  return {
    cert: readFileSync(t.certFile),
    key: readFileSync(t.keyFile),
    ...(t.caFile ? { ca: readFileSync(t.caFile), requestCert: true, rejectUnauthorized: true } : {}),
  };
}

/** An error for the log: its name, code and message (the store's errors carry no message content). */
function errorSummary(e: unknown): Record<string, unknown> {
  if (!(e instanceof Error)) return { message: String(e) };
  return { name: e.name, code: (e as NodeJS.ErrnoException).code, message: e.message };
}

import net from 'node:net';
import tls from 'node:tls';
import { PartnerError } from '../partners/partner-error.js';
import { MllpDeframer, frame, type MllpFrameError } from './framer.js';

/**
 * MLLP sender on node:net / node:tls.
 *
 * Two shapes over one implementation:
 * - `sendMllp(opts, message)`: one message per connection (connect, send, read one ACK,
 *   close). The default for document delivery: no state survives between jobs, a half-dead
 *   pooled socket can never swallow a message, and a 1 MB document dwarfs the TCP handshake.
 * - `MllpConnection`: a reusable connection carrying one message at a time (MLLP original
 *   mode has no correlation beyond order, so messages are never pipelined). It reconnects
 *   lazily after any failure or after the peer closed it.
 *
 * Failures are PartnerErrors classified where they happen (see partner-error.ts):
 * - transient: nothing was written (refused, unreachable, DNS, connect timeout);
 * - ambiguous: the message was written, and no valid ACK came back (timeout, reset, close,
 *   unreadable reply): the EHR may have stored it; the same MSH-10 on resend lets it dedupe;
 * - auth: the TLS peer certificate was rejected (every further attempt fails the same way).
 */
export interface MllpClientOptions {
  host: string;
  port: number;
  /** `true` for TLS with the system CAs; an object for client certificates, a private CA... */
  tls?: tls.ConnectionOptions | boolean;
  connectTimeoutMs: number;
  /** Time allowed between handing the message to the kernel and the complete ACK frame. */
  ackTimeoutMs: number;
  /** Upper bound for the reply frame; an ACK is small, anything bigger is a framing fault. */
  maxAckBytes?: number;
  /** Label carried by PartnerError.partner. */
  partner?: string;
}

const DEFAULT_MAX_ACK_BYTES = 1024 * 1024;
const TLS_CERT_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT/;

export async function sendMllp(opts: MllpClientOptions, message: Buffer): Promise<Buffer> {
  const conn = new MllpConnection(opts);
  try {
    return await conn.send(message);
  } finally {
    conn.close();
  }
}

interface PendingAck {
  socket: net.Socket;
  resolve: (ack: Buffer) => void;
  reject: (err: PartnerError) => void;
  timer: NodeJS.Timeout | undefined;
}

export class MllpConnection {
  private readonly opts: MllpClientOptions;
  private readonly partner: string;
  private socket: net.Socket | undefined;
  private pending: PendingAck | undefined;
  /** Serialises send() calls: one message in flight per connection. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(opts: MllpClientOptions) {
    this.opts = opts;
    this.partner = opts.partner ?? 'ehr-mllp';
  }

  /** Send one HL7 message (unframed bytes) and resolve with the ACK payload (unframed). */
  send(message: Buffer): Promise<Buffer> {
    const framed = frame(message);
    const run = this.queue.then(() => this.exchange(framed));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Close the connection; a send() in flight fails as ambiguous. */
  close(): void {
    this.closed = true;
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    socket.end();
    // Do not linger if the peer never closes its side.
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  private async exchange(framed: Buffer): Promise<Buffer> {
    if (this.closed) throw new PartnerError(this.partner, 'transient', 'MLLP connection closed by caller');
    const socket = this.socket ?? (await this.connect());
    return new Promise<Buffer>((resolve, reject) => {
      const pending: PendingAck = { socket, resolve, reject, timer: undefined };
      this.pending = pending;
      const armTimer = (): void => {
        if (pending.timer) clearTimeout(pending.timer);
        pending.timer = setTimeout(() => {
          this.failPending(
            new PartnerError(this.partner, 'ambiguous', `no MLLP ACK within ${this.opts.ackTimeoutMs} ms after sending`),
          );
        }, this.opts.ackTimeoutMs);
      };
      armTimer();
      // Restart the clock once the kernel has the whole message: a large document on a slow
      // link must not eat the receiver's processing time.
      socket.write(framed, (err) => {
        if (!err && this.pending === pending) armTimer();
      });
    });
  }

  private connect(): Promise<net.Socket> {
    const { host, port, connectTimeoutMs } = this.opts;
    return new Promise<net.Socket>((resolve, reject) => {
      let settled = false;
      const useTls = this.opts.tls !== undefined && this.opts.tls !== false;
      const socket: net.Socket = useTls
        ? tls.connect({
            host,
            port,
            ...(net.isIP(host) ? {} : { servername: host }),
            ...(typeof this.opts.tls === 'object' ? this.opts.tls : {}),
          })
        : net.connect({ host, port });
      const readyEvent = useTls ? 'secureConnect' : 'connect';

      const timer = setTimeout(() => {
        fail(new PartnerError(this.partner, 'transient', `MLLP connect to ${host}:${port} timed out after ${connectTimeoutMs} ms`));
      }, connectTimeoutMs);

      const fail = (err: PartnerError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };

      const onConnectError = (err: NodeJS.ErrnoException): void => {
        const code = err.code ?? '';
        const kind = TLS_CERT_ERROR.test(code) ? 'auth' : 'transient';
        fail(new PartnerError(this.partner, kind, `MLLP connect to ${host}:${port} failed (${code || err.message})`, { cause: err }));
      };
      socket.once('error', onConnectError);

      socket.once(readyEvent, () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.off('error', onConnectError);
        socket.setNoDelay(true);
        this.attach(socket);
        resolve(socket);
      });
    });
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    const deframer = new MllpDeframer({ maxFrameBytes: this.opts.maxAckBytes ?? DEFAULT_MAX_ACK_BYTES });
    let lastError: NodeJS.ErrnoException | undefined;

    deframer.on('frame-error', (err: MllpFrameError) => {
      if (this.pending?.socket !== socket) return;
      this.failPending(new PartnerError(this.partner, 'ambiguous', `unreadable MLLP reply (${err.code})`, { cause: err }));
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      for (const ack of deframer.feed(chunk)) {
        const pending = this.pending?.socket === socket ? this.pending : undefined;
        // A frame nobody asked for (some receivers greet or send keep-alives): it cannot be
        // the ACK of a message not yet written, so it is dropped. A late ACK of a failed
        // exchange cannot land here: failure destroys the socket.
        if (!pending) continue;
        this.pending = undefined;
        if (pending.timer) clearTimeout(pending.timer);
        pending.resolve(ack);
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      lastError = err;
    });
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      if (this.pending?.socket !== socket) return; // an old socket: the live exchange is elsewhere
      const reason = lastError?.code ?? (deframer.bufferedBytes > 0 ? 'partial reply' : 'closed by peer');
      this.failPending(
        new PartnerError(this.partner, 'ambiguous', `MLLP connection ended before the ACK (${reason})`, {
          cause: lastError,
        }),
      );
    });
  }

  private failPending(err: PartnerError): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    if (pending.timer) clearTimeout(pending.timer);
    // The socket state is unknown (a late ACK may still arrive): never reuse it.
    if (this.socket === pending.socket) this.socket = undefined;
    pending.socket.destroy();
    pending.reject(err);
  }
}

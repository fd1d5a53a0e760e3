import net from 'node:net';
import tls from 'node:tls';
import { DEFAULT_MAX_FRAME_BYTES, MllpDeframer, MllpFrameError, frame } from './framer.js';

/**
 * MLLP listener on node:net / node:tls.
 *
 * The receiver contract (HL7 v2 ch. 2 "acknowledgment", MLLP release 2): the ACK is written only
 * after `onMessage` resolves, so `onMessage` is where the durable write happens. Messages of one
 * connection are handled one after the other, in arrival order, and the socket is paused while
 * a message is being handled (back-pressure on a sender that pipelines).
 *
 * If `onMessage` throws, nothing is acknowledged and the connection is closed at once: the
 * sender learns immediately that the outcome is unknown (rather than waiting for its ACK
 * timeout) and resends the same MSH-10, which a de-duplicating receiver absorbs.
 */
export interface MllpRemote {
  address: string;
  port: number;
  /** Increments per accepted connection, for logs and per-connection state. */
  connectionId: number;
}

export interface MllpServerOptions {
  /** Resolve with the ACK bytes (unframed) to answer, or null to answer nothing. */
  onMessage(raw: Buffer, remote: MllpRemote): Promise<Buffer | null>;
  maxFrameBytes?: number;
  /** Close a connection with no traffic for this long (default 2 minutes). */
  idleTimeoutMs?: number;
  /** Serve MLLP over TLS with these options (certificate, key, requestCert...). */
  tls?: tls.TlsOptions;
  /** A frame was dropped (oversize, unterminated); the connection carries on (unless `oversizeReply` is set). */
  onFrameError?(err: MllpFrameError, remote: MllpRemote): void;
  /**
   * Set to refuse an oversize frame out loud: its answer (unframed, e.g. an AR; null = none) is
   * written after the frames before it were answered, then the connection is closed. Unset, the
   * frame is dropped silently and the sender only learns from its ACK timeout.
   */
  oversizeReply?(err: MllpFrameError, remote: MllpRemote): Buffer | null | Promise<Buffer | null>;
  /** `onMessage` threw; the connection has been closed without an ACK. */
  onHandlerError?(err: unknown, remote: MllpRemote): void;
  /**
   * At most this many connections at once; one more is closed as soon as it is accepted
   * (node's `server.maxConnections`), so idle or hostile senders cannot exhaust the process.
   */
  maxConnections?: number;
  /** Keep the first bytes of an oversize frame on its MllpFrameError (`head`), e.g. to answer its MSH-10. */
  keepOversizeHeadBytes?: number;
}

export interface MllpServer {
  listen(port?: number, host?: string): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
  /** The bound port once listening. */
  readonly port: number | undefined;
  readonly openConnections: number;
}

const DEFAULT_IDLE_TIMEOUT_MS = 120_000;

export function createMllpServer(opts: MllpServerOptions): MllpServer {
  const sockets = new Set<net.Socket>();
  let nextConnectionId = 1;

  const onConnection = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
    const remote: MllpRemote = {
      address: socket.remoteAddress ?? '',
      port: socket.remotePort ?? 0,
      connectionId: nextConnectionId++,
    };
    const deframer = new MllpDeframer({ maxFrameBytes: opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, keepHeadBytes: opts.keepOversizeHeadBytes });
    /** Frames to handle in order; an oversize error in the queue ends the connection there. */
    const queue: (Buffer | MllpFrameError)[] = [];
    let busy = false;
    let refused: MllpFrameError | undefined;
    let closing = false;

    deframer.on('frame-error', (err) => {
      opts.onFrameError?.(err, remote);
      if (err.code === 'oversize' && opts.oversizeReply) refused ??= err;
    });

    const drain = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      socket.pause();
      try {
        for (let raw = queue.shift(); raw; raw = queue.shift()) {
          if (raw instanceof MllpFrameError) {
            queue.length = 0;
            let answer: Buffer | null = null;
            try {
              answer = (await opts.oversizeReply?.(raw, remote)) ?? null;
            } catch (err) {
              opts.onHandlerError?.(err, remote);
            }
            // end() flushes the answer first; destroy() then drops the rest of the oversize frame.
            if (!socket.destroyed) {
              if (answer) socket.end(frame(answer), () => socket.destroy());
              else socket.destroy();
            }
            return;
          }
          if (raw.length === 0) continue; // empty block: a keep-alive at most
          let ack: Buffer | null;
          try {
            ack = await opts.onMessage(raw, remote);
            if (ack && !socket.destroyed) socket.write(frame(ack));
          } catch (err) {
            opts.onHandlerError?.(err, remote);
            queue.length = 0;
            socket.destroy();
            return;
          }
        }
      } finally {
        busy = false;
        if (!socket.destroyed) socket.resume();
      }
    };

    socket.on('data', (chunk: Buffer) => {
      if (closing) return; // the rest is the refused frame
      const frames = deframer.feed(chunk);
      queue.push(...frames);
      if (refused) {
        closing = true;
        queue.push(refused);
      }
      if (queue.length === 0) return;
      void drain();
    });
    socket.on('timeout', () => {
      if (!busy) socket.destroy();
    });
    socket.on('error', () => {
      // Resets from senders are routine; 'close' follows and cleans up.
    });
    socket.on('close', () => {
      sockets.delete(socket);
      queue.length = 0;
    });
  };

  const server = opts.tls ? tls.createServer(opts.tls, onConnection) : net.createServer(onConnection);
  if (opts.maxConnections !== undefined) server.maxConnections = opts.maxConnections;

  return {
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const addr = server.address() as net.AddressInfo;
          resolve({ host: addr.address, port: addr.port });
        });
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => resolve());
      });
    },
    get port() {
      const addr = server.address();
      return addr && typeof addr === 'object' ? addr.port : undefined;
    },
    get openConnections() {
      return sockets.size;
    },
  };
}

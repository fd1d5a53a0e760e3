import { EventEmitter } from 'node:events';

/**
 * MLLP block framing (HL7 MLLP transport spec, release 2, section "Block format"):
 * `<VT 0x0B> payload <FS 0x1C><CR 0x0D>`.
 *
 * Written here rather than taken from npm because the common libraries mis-frame on Node 20
 * (two frames in one chunk merged, a stall when 0x1C and 0x0D arrive in different chunks).
 */
export const MLLP_START = 0x0b;
export const MLLP_END = 0x1c;
export const MLLP_CR = 0x0d;

/** Generous by default: an ORU carrying a multi-MB PDF in base64 is normal traffic. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

const START_BYTES = Buffer.from([MLLP_START]);
const END_BYTES = Buffer.from([MLLP_END, MLLP_CR]);

export const MLLP_FRAME_ERROR_CODES = ['oversize', 'unterminated'] as const;
export type MllpFrameErrorCode = (typeof MLLP_FRAME_ERROR_CODES)[number];

export class MllpFrameError extends Error {
  readonly code: MllpFrameErrorCode;
  /** Bytes of the frame dropped when the error happened (never their content: it is PHI). */
  readonly droppedBytes: number;
  /**
   * The first bytes of an oversize frame, when the deframer was asked to keep them
   * (`keepHeadBytes`): enough to read its MSH and answer AR to the right MSH-10.
   */
  readonly head: Buffer | undefined;

  constructor(code: MllpFrameErrorCode, droppedBytes: number, message: string, head?: Buffer) {
    super(message);
    this.name = 'MllpFrameError';
    this.code = code;
    this.droppedBytes = droppedBytes;
    this.head = head;
  }
}

export interface MllpDeframerOptions {
  maxFrameBytes?: number;
  /** Keep this many first bytes of an oversize frame on its error (`head`); default 0. */
  keepHeadBytes?: number;
}

export interface MllpDeframerEvents {
  /**
   * A frame was dropped: too large, or a new start byte arrived before the end of the previous
   * frame. Named `frame-error` rather than `error` so an un-listened event never throws.
   */
  'frame-error': [MllpFrameError];
}

/**
 * Streaming deframer: feed it TCP chunks in arrival order, it returns the complete payloads
 * (without the framing bytes).
 *
 * - Bytes outside a frame (before 0x0B) are garbage and skipped (counted in `garbageBytes`).
 * - 0x1C not followed by 0x0D is kept as payload: the spec reserves the pair, not the byte.
 *   The decision waits for the next chunk when 0x1C is the last byte received.
 * - A 0x0B inside a frame means the sender restarted (the previous frame never ended): the
 *   partial frame is dropped with a `frame-error` and the new one is read.
 * - A frame over `maxFrameBytes` is dropped with a `frame-error`; reading resumes at the next
 *   0x0B (resync), so one bad frame does not cost the connection.
 */
export class MllpDeframer extends EventEmitter<MllpDeframerEvents> {
  readonly maxFrameBytes: number;
  readonly keepHeadBytes: number;
  garbageBytes = 0;
  private inFrame = false;
  /** Set when the previous chunk ended on 0x1C inside a frame. */
  private pendingEnd = false;
  /** Discarding an oversize frame until the next start byte. */
  private skipping = false;
  private parts: Buffer[] = [];
  private size = 0;

  constructor(opts: MllpDeframerOptions = {}) {
    super();
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.keepHeadBytes = Math.max(0, opts.keepHeadBytes ?? 0);
  }

  /** Bytes of the frame currently being assembled (0 between frames). */
  get bufferedBytes(): number {
    return this.size;
  }

  feed(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    let pos = 0;
    const len = chunk.length;

    while (pos < len) {
      if (!this.inFrame) {
        const start = chunk.indexOf(MLLP_START, pos);
        if (start < 0) {
          if (!this.skipping) this.garbageBytes += len - pos;
          return frames;
        }
        if (!this.skipping) this.garbageBytes += start - pos;
        this.skipping = false;
        this.inFrame = true;
        this.parts = [];
        this.size = 0;
        pos = start + 1;
        continue;
      }

      if (this.pendingEnd) {
        this.pendingEnd = false;
        if (chunk[pos] === MLLP_CR) {
          frames.push(this.finish());
          pos += 1;
          continue;
        }
        // A lone 0x1C: it was payload after all.
        this.append(END_BYTES.subarray(0, 1));
        if (!this.inFrame) continue; // append() dropped an oversize frame
      }

      const end = chunk.indexOf(MLLP_END, pos);
      const stop = end < 0 ? len : end;
      const restart = indexOfBefore(chunk, MLLP_START, pos, stop);
      if (restart >= 0) {
        this.append(chunk.subarray(pos, restart));
        if (this.inFrame) this.abort('unterminated', 'MLLP start byte inside an unterminated frame; partial frame dropped');
        pos = restart; // re-read the start byte as the beginning of a new frame
        continue;
      }
      if (end < 0) {
        this.append(chunk.subarray(pos));
        return frames;
      }
      this.append(chunk.subarray(pos, end));
      if (!this.inFrame) {
        pos = end + 1;
        continue;
      }
      if (end + 1 >= len) {
        this.pendingEnd = true;
        return frames;
      }
      if (chunk[end + 1] === MLLP_CR) {
        frames.push(this.finish());
        pos = end + 2;
      } else {
        this.append(END_BYTES.subarray(0, 1));
        pos = end + 1;
      }
    }
    return frames;
  }

  /** Forget any partial frame (e.g. when the connection closes). */
  reset(): void {
    this.inFrame = false;
    this.pendingEnd = false;
    this.skipping = false;
    this.parts = [];
    this.size = 0;
  }

  private append(part: Buffer): void {
    if (part.length === 0 || !this.inFrame) return;
    if (this.size + part.length > this.maxFrameBytes) {
      const head = this.keepHeadBytes > 0 ? firstBytes([...this.parts, part], this.keepHeadBytes) : undefined;
      this.size += part.length;
      this.abort('oversize', `MLLP frame larger than ${this.maxFrameBytes} bytes; dropped`, head);
      this.skipping = true;
      return;
    }
    this.parts.push(part);
    this.size += part.length;
  }

  /** Always returns a copy: a frame must not alias (and pin) the chunks it came from. */
  private finish(): Buffer {
    const frame = this.parts.length === 1 ? Buffer.from(this.parts[0] as Buffer) : Buffer.concat(this.parts, this.size);
    this.inFrame = false;
    this.parts = [];
    this.size = 0;
    return frame;
  }

  private abort(code: MllpFrameErrorCode, message: string, head?: Buffer): void {
    const dropped = this.size;
    this.inFrame = false;
    this.pendingEnd = false;
    this.parts = [];
    this.size = 0;
    this.emit('frame-error', new MllpFrameError(code, dropped, message, head));
  }
}

/** A copy of the first `n` bytes of `parts` (never aliasing a TCP chunk). */
function firstBytes(parts: Buffer[], n: number): Buffer {
  const out: Buffer[] = [];
  let size = 0;
  for (const p of parts) {
    if (size >= n) break;
    const take = p.subarray(0, n - size);
    out.push(take);
    size += take.length;
  }
  return Buffer.concat(out, size);
}

function indexOfBefore(buf: Buffer, byte: number, from: number, to: number): number {
  if (to <= from) return -1;
  const i = buf.subarray(from, to).indexOf(byte);
  return i < 0 ? -1 : from + i;
}

/**
 * Wrap a payload in an MLLP block. Refuses payloads containing 0x0B or 0x1C: those bytes would
 * split the frame on the receiver side (the HL7 builders escape them as `\X0B\` / `\X1C\`).
 */
export function frame(payload: Buffer): Buffer {
  if (payload.indexOf(MLLP_START) >= 0 || payload.indexOf(MLLP_END) >= 0) {
    throw new Error('MLLP payload contains a framing byte (0x0B or 0x1C); escape it before framing');
  }
  return Buffer.concat([START_BYTES, payload, END_BYTES], payload.length + 3);
}

import type { Dispatcher } from 'undici';

/**
 * One HTTP exchange through an undici dispatcher, reporting whether the request had been
 * fully written to the socket when it failed.
 *
 * That fact decides whether a failed POST may have been applied: a connection that was refused,
 * never resolved or reset before the request left us cannot have created anything, while a reset
 * or a timeout after it left may have. undici's `request()`/`fetch()` do not expose it, but the
 * dispatcher tells a handler through `onRequestSent` (lib/core/request.js), so this uses the
 * handler interface directly. Mock dispatchers never call `onRequestSent`, so with them every
 * transport failure counts as "not sent".
 */

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export class SendError extends Error {
  constructor(
    message: string,
    readonly sent: boolean,
    readonly timedOut: boolean,
    readonly code: string | undefined,
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = 'SendError';
  }
}

export interface SendOptions {
  origin: string;
  /** Path with query string. */
  path: string;
  method: 'GET' | 'POST' | 'PATCH';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

type LegacyHandler = Dispatcher.DispatchHandler & { onRequestSent?(): void };

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function sendOnce(dispatcher: Dispatcher, opts: SendOptions): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    let sent = false;
    let responded = false;
    let settled = false;
    let timedOut = false;
    let abort: ((err?: Error) => void) | undefined;
    let status = 0;
    let headers: Record<string, string> = {};
    const chunks: Buffer[] = [];

    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const code = timedOut ? 'ETIMEDOUT' : errorCode(err);
      // Response headers prove the request reached the server even without onRequestSent.
      const wasSent = sent || responded;
      const what = timedOut ? `no complete answer within ${opts.timeoutMs} ms` : (code ?? 'transport error');
      reject(new SendError(what, wasSent, timedOut, code, err));
    };

    const timer = setTimeout(() => {
      timedOut = true;
      const err = new Error(`timed out after ${opts.timeoutMs} ms`);
      // Before onConnect the request is still waiting for a socket: fail now, abort on connect.
      if (abort) abort(err);
      else fail(err);
    }, opts.timeoutMs);

    const handler: LegacyHandler = {
      onConnect(abortFn) {
        if (settled) {
          abortFn(new Error('attempt already timed out'));
          return;
        }
        abort = abortFn;
      },
      onRequestSent() {
        sent = true;
      },
      onHeaders(statusCode, rawHeaders) {
        if (statusCode < 200) return true; // 1xx informational: the real head follows
        responded = true;
        status = statusCode;
        headers = parseRawHeaders(rawHeaders);
        return true;
      },
      onData(chunk) {
        chunks.push(chunk);
        return true;
      },
      onComplete() {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status, headers, body: Buffer.concat(chunks) });
      },
      onError(err) {
        fail(err);
      },
    };

    try {
      dispatcher.dispatch(
        {
          origin: opts.origin,
          path: opts.path,
          method: opts.method,
          headers: opts.headers,
          body: opts.body ?? null,
          headersTimeout: opts.timeoutMs,
          bodyTimeout: opts.timeoutMs,
        },
        handler,
      );
    } catch (err) {
      fail(err);
    }
  });
}

function parseRawHeaders(raw: Buffer[] | string[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = String(raw[i]).toLowerCase();
    const value = String(raw[i + 1]);
    out[key] = out[key] === undefined ? value : `${out[key]}, ${value}`;
  }
  return out;
}

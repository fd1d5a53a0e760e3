/**
 * The one place the web UI talks HTTP to the engine: JSON in, JSON out, the session cookie
 * rides along (same origin), and every failure becomes an ApiError with the server's message
 * so pages can show it as it is.
 */

export interface FieldErrorMap {
  [field: string]: string[] | string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly fieldErrors: FieldErrorMap | undefined;
  readonly body: unknown;

  constructor(status: number, message: string, body?: unknown, fieldErrors?: FieldErrorMap) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
    this.fieldErrors = fieldErrors;
  }
}

function messageFrom(status: number, body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as { error?: unknown; message?: unknown; detail?: unknown };
    for (const v of [b.error, b.message, b.detail]) {
      if (typeof v === 'string' && v.trim() !== '') return v;
      if (v && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string') {
        return (v as { message: string }).message;
      }
    }
  }
  if (status === 0) return 'The server could not be reached. Check your connection and try again.';
  if (status >= 500) return 'The server had a problem. Try again in a moment.';
  return `The request was refused (${status}).`;
}

export async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function toApiError(status: number, body: unknown): ApiError {
  const fieldErrors =
    body && typeof body === 'object' && 'fieldErrors' in body
      ? ((body as { fieldErrors?: FieldErrorMap }).fieldErrors ?? undefined)
      : undefined;
  return new ApiError(status, messageFrom(status, body), body, fieldErrors);
}

/** Listeners told when any call answers 401, so the app can show the sign-in page again. */
const unauthorizedListeners = new Set<() => void>();
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export interface ApiOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Do not broadcast a 401 (the session check and the login form handle it themselves). */
  quietUnauthorized?: boolean;
}

export async function api<T>(path: string, options: ApiOptions = {}): Promise<T> {
  const init: RequestInit = {
    method: options.method ?? 'GET',
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
  };
  if (options.signal) init.signal = options.signal;
  if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    init.headers = { ...init.headers, 'content-type': 'application/json' };
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError(0, messageFrom(0, undefined));
  }
  const body = await readJson(res);
  if (!res.ok) {
    if (res.status === 401 && !options.quietUnauthorized) unauthorizedListeners.forEach((l) => l());
    throw toApiError(res.status, body);
  }
  return body as T;
}

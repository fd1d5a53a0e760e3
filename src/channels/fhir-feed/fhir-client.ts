/**
 * The few FHIR R4 REST calls the feed makes (https://hl7.org/fhir/R4/http.html), to one server.
 * Every URL it follows (a `next` link, an id-only notification's fullUrl) must be under that
 * server's base: a link elsewhere is refused, so neither a server nor a notification body can
 * make the engine call another address (SSRF) or send its bearer token there.
 */
export class FeedHttpError extends Error {
  override name = 'FeedHttpError';
  constructor(
    /** What was asked, without ids (never patient data): e.g. 'Patient search', 'Appointment read'. */
    readonly what: string,
    readonly status: number | null,
    message: string,
  ) {
    super(message);
  }
}

export interface FeedServer {
  /**
   * FHIR base. A function when it is known only later: the sandbox FHIR EMR on the engine's
   * own port, whose address exists once the server listens.
   */
  baseUrl: string | (() => string | undefined);
  bearerToken?: string;
  timeoutMs: number;
}

export class FeedFhirClient {
  constructor(private readonly server: FeedServer) {}

  /** FHIR base, no trailing slash. */
  get baseUrl(): string {
    const b = typeof this.server.baseUrl === 'function' ? this.server.baseUrl() : this.server.baseUrl;
    if (!b) throw new FeedHttpError('base', null, "the FHIR server's address is not known yet (the engine is not listening)");
    return b.replace(/\/+$/, '');
  }

  /** The server's host, for the stored messages' sending facility. */
  get host(): string {
    return new URL(this.baseUrl).host;
  }

  /** Whether an absolute URL is under this server's base (same origin, path below the base's). */
  isUnderBase(url: string): boolean {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return false;
    }
    const b = new URL(this.baseUrl);
    if (u.origin !== b.origin || u.username || u.password) return false;
    const basePath = b.pathname.replace(/\/+$/, '');
    return u.pathname === basePath || u.pathname.startsWith(`${basePath}/`);
  }

  /** `Patient/123` or an absolute URL under the base. */
  resolve(pathOrUrl: string): string {
    if (/^https?:\/\//i.test(pathOrUrl)) {
      if (!this.isUnderBase(pathOrUrl)) throw new FeedHttpError('link', null, 'a link outside the FHIR server was refused');
      return pathOrUrl;
    }
    return `${this.baseUrl}/${pathOrUrl.replace(/^\/+/, '')}`;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      accept: 'application/fhir+json',
      ...(this.server.bearerToken ? { authorization: `Bearer ${this.server.bearerToken}` } : {}),
      ...extra,
    };
  }

  /** GET one JSON answer; `null` for 404/410 when `allowGone` (a read of a deleted resource). */
  async get<T>(pathOrUrl: string, what: string, opts: { allowGone?: boolean } = {}): Promise<T | null> {
    const url = this.resolve(pathOrUrl);
    let res: Response;
    try {
      res = await fetch(url, { headers: this.headers(), signal: AbortSignal.timeout(this.server.timeoutMs), redirect: 'error' });
    } catch (e) {
      throw new FeedHttpError(what, null, `${what}: the FHIR server could not be reached (${errorCode(e)})`);
    }
    if (opts.allowGone && (res.status === 404 || res.status === 410)) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new FeedHttpError(what, res.status, `${what}: the FHIR server answered HTTP ${res.status}`);
    }
    try {
      return (await res.json()) as T;
    } catch {
      throw new FeedHttpError(what, res.status, `${what}: the FHIR server's answer is not JSON`);
    }
  }

  async post<T>(path: string, body: unknown, what: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.resolve(path), {
        method: 'POST',
        headers: this.headers({ 'content-type': 'application/fhir+json' }),
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.server.timeoutMs),
        redirect: 'error',
      });
    } catch (e) {
      throw new FeedHttpError(what, null, `${what}: the FHIR server could not be reached (${errorCode(e)})`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new FeedHttpError(what, res.status, `${what}: the FHIR server answered HTTP ${res.status}`);
    }
    return (await res.json()) as T;
  }
}

function errorCode(e: unknown): string {
  const err = e as { name?: string; cause?: { code?: string } };
  if (err.name === 'TimeoutError') return 'timeout';
  return err.cause?.code ?? err.name ?? 'network error';
}

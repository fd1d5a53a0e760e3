import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/start.js';

export const ADMIN_PASSWORD = 'correct horse battery';

export interface ApiAnswer {
  status: number;
  /** Parsed JSON, or the text as it came when it is not JSON. */
  body: any;
  headers: Headers;
}

export interface SignedInServer {
  server: RunningServer;
  /** One engine API call with the admin's session cookie (and origin), or anonymous with `auth` false. */
  call(path: string, init?: RequestInit, auth?: boolean): Promise<ApiAnswer>;
  close(): Promise<void>;
}

/** A POST with a JSON body, for `call`. */
export const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/**
 * The engine in-process on a temporary SQLite file (free ports, quiet logs, sandboxes on), with
 * the admin signed in: what an engine API test needs before its first call.
 */
export async function startSignedInServer(tmpPrefix: string): Promise<SignedInServer> {
  const dir = mkdtempSync(join(tmpdir(), tmpPrefix));
  const server = await startServer({ port: 0, host: '127.0.0.1', databaseUrl: join(dir, 'db.sqlite'), logLevel: 'silent', admin: { password: ADMIN_PASSWORD }, ehr: { sandboxMllpPort: 0 } });
  const res = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password: ADMIN_PASSWORD }) });
  expect(res.status).toBe(200);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  return {
    server,
    async call(path, init = {}, auth = true) {
      const res = await fetch(`${server.url}${path}`, { ...init, headers: { ...(auth ? { cookie, origin: server.url } : {}), ...(init.headers ?? {}) } });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body, headers: res.headers };
    },
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

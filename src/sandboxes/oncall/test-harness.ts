import Fastify, { type FastifyInstance } from 'fastify';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_ONCALL_SANDBOX_API_KEY, oncallSandbox, type OncallSandboxOptions } from './plugin.js';

/**
 * Test helper (not a test): a real fastify app on an ephemeral port with the sandbox mounted
 * under `prefix`, and a small JSON client that speaks to it over real HTTP.
 */

export interface CallResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RunningSandbox {
  app: FastifyInstance;
  /** `http://127.0.0.1:<port><prefix>` */
  base: string;
  origin: string;
  call<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<CallResult<T>>;
  admin<T = any>(method: string, path: string, body?: unknown): Promise<CallResult<T>>;
  close(): Promise<void>;
}

export const AUTH = { authorization: `Token ${DEFAULT_ONCALL_SANDBOX_API_KEY}` };

export async function startSandbox(options: OncallSandboxOptions = {}, prefix = '/oncall'): Promise<RunningSandbox> {
  const app = Fastify();
  await app.register(oncallSandbox, { ...options, prefix });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const base = `${origin}${prefix}`;
  const call = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = AUTH): Promise<CallResult<T>> => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const res = await fetch(path.startsWith('http') ? path : `${base}${path}`, init);
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return {
    app,
    base,
    origin,
    call,
    admin: (method, path, body) => call(method, `/_admin/${path}`, body, {}),
    close: () => app.close(),
  };
}

/** A contact body valid in seeded division 1 with provider 1. */
export function contactBody(base: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Jane Doe',
    first_name: 'Jane',
    last_name: 'Doe',
    email: 'jane.doe@example.com',
    sex: 'female',
    division: `${base}/divisions/1/`,
    provider: `${base}/providers/1/`,
    ...overrides,
  };
}

/** An appointment body valid in seeded division 1. */
export function appointmentBody(base: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'Follow-up',
    datetime: '2030-01-15T15:00:00Z',
    duration: 30,
    type: 'online',
    division: `${base}/divisions/1/`,
    participants: [{ name: 'Test Patient', first_name: 'Test', last_name: 'Patient', email: 'test.patient@example.com', fee: 10 }],
    ...overrides,
  };
}

/**
 * One request over node:http (fetch cannot set Host, nor tell "socket closed without a
 * response" apart cleanly). Resolves with the response, or with the socket error.
 */
export function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string } | { error: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', (error) => resolve({ error }));
    });
    req.on('error', (error) => resolve({ error }));
    req.end(opts.body);
  });
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isPartnerError, type PartnerError } from '../partner-error.js';
import { OncallClient } from './client.js';

// Faults that depend on whether the request left the client, produced for real on sockets:
// a server that reads the whole request then resets the connection, one that never answers,
// and a port where nothing listens.

type Behaviour = 'reset' | 'hold' | 'ok';

interface TestServer {
  url: string;
  hits: Array<{ method: string; path: string }>;
  /** Behaviour per attempt for a path; the last entry repeats. */
  plan: Map<string, Behaviour[]>;
  server: Server;
}

const servers: TestServer[] = [];
const clients: OncallClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const s of servers.splice(0)) {
    s.server.closeAllConnections();
    await new Promise((r) => s.server.close(r));
  }
});

async function startServer(): Promise<TestServer> {
  const hits: TestServer['hits'] = [];
  const plan = new Map<string, Behaviour[]>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    hits.push({ method: req.method ?? '', path });
    req.resume();
    req.on('end', () => {
      const steps = plan.get(`${req.method} ${path}`) ?? ['ok'];
      const step = steps.length > 1 ? steps.shift()! : steps[0]!;
      if (step === 'reset') req.socket.destroy();
      else if (step === 'ok') {
        res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 1, url: 'http://ignored/v1/contacts/1/', name: 'x' }));
      }
      // 'hold': never answer
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const s = { url: `http://127.0.0.1:${port}/v1`, hits, plan, server };
  servers.push(s);
  return s;
}

function makeClient(baseUrl: string, timeoutMs = 2000): OncallClient {
  const c = new OncallClient({ baseUrl, apiKey: 'k', retryBaseMs: 5, requestsPerSecond: 0, timeoutMs, maxRetries: 3 });
  clients.push(c);
  return c;
}

async function failure(p: Promise<unknown>): Promise<PartnerError> {
  try {
    await p;
  } catch (e) {
    if (isPartnerError(e)) return e;
    throw e;
  }
  throw new Error('expected a PartnerError');
}

const body = { division: 'http://x/divisions/1/', provider: 'http://x/providers/1/', name: 'Jane Doe' };

describe('OncallClient on real sockets', () => {
  it('a POST reset after it was sent is ambiguous and sent once', async () => {
    const s = await startServer();
    s.plan.set('POST /v1/contacts/', ['reset', 'ok']);
    const err = await failure(makeClient(s.url).createContact(body));
    expect(err.kind).toBe('ambiguous');
    expect(s.hits.filter((h) => h.method === 'POST')).toHaveLength(1);
  });

  it('a POST with no answer before the timeout is ambiguous and sent once', async () => {
    const s = await startServer();
    s.plan.set('POST /v1/contacts/', ['hold']);
    const started = Date.now();
    const err = await failure(makeClient(s.url, 300).createContact(body));
    expect(err.kind).toBe('ambiguous');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(s.hits).toHaveLength(1);
  });

  it('GET and PATCH reset or timed out after sending are retried', async () => {
    const s = await startServer();
    s.plan.set('GET /v1/contacts/1/', ['reset', 'hold', 'ok']);
    s.plan.set('PATCH /v1/contacts/1/', ['hold', 'reset', 'ok']);
    const c = makeClient(s.url, 300);
    await expect(c.getContact(1)).resolves.toMatchObject({ id: 1 });
    await expect(c.patchContact(1, { notes: 'n' })).resolves.toMatchObject({ id: 1 });
    expect(s.hits).toHaveLength(6);
    expect(c.stats().retries).toBe(4);
  });

  it('a refused connection is transient: retried, then the last error is thrown', async () => {
    const s = await startServer();
    const url = s.url;
    s.server.close();
    servers.pop();
    const c = makeClient(url);
    const err = await failure(c.createContact(body));
    expect(err.kind).toBe('transient');
    expect(err.message).toContain('ECONNREFUSED');
    expect(c.stats()).toMatchObject({ requests: 4, retries: 3 });
  });
});

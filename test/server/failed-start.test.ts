import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SqliteQueue } from '../../src/queue/sqlite-queue.js';
import { startServer } from '../../src/server/start.js';

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

/**
 * A start that fails after the HTTP server listens (here: the queue worker cannot start; a broken
 * build did this for real) must close everything it opened, so the process ends and a
 * supervisor restarts it, instead of a server that answers /healthz with no worker behind it.
 * The worker's failure is injected: it cannot be produced on demand otherwise.
 */
describe('a start that fails half-way', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ehrb-failstart-'));
  afterAll(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('closes the listener and the database, and rejects with the cause', async () => {
    const port = await freePort();
    vi.spyOn(SqliteQueue.prototype, 'start').mockRejectedValueOnce(new Error('worker could not start'));
    await expect(
      startServer({ port, host: '127.0.0.1', databaseUrl: join(dir, 'db.sqlite'), logLevel: 'silent', admin: { password: 'correct horse battery' }, ehr: { sandboxMllpPort: 0 } }),
    ).rejects.toThrow('worker could not start');
    expect(await refused(port)).toBe(true);
    // The same database and port start cleanly afterwards: nothing was left holding them.
    const server = await startServer({ port, host: '127.0.0.1', databaseUrl: join(dir, 'db.sqlite'), logLevel: 'silent', admin: { password: 'correct horse battery' }, ehr: { sandboxMllpPort: 0 } });
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    await server.close();
  });
});

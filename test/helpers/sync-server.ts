import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/server/start.js';
import type { SyncSetupOptions } from '../../src/flows/sync/setup.js';
import { OncallClient } from '../../src/partners/oncall/client.js';
import { oncallSandboxApiKey } from '../../src/sandboxes/embedded.js';
import { createPgDatabase, type TestDialect } from './stores.js';
import { until } from './until.js';

export interface SyncServer {
  server: RunningServer;
  /** A client of the embedded OnCall sandbox, to read what the sync wrote. */
  client: OncallClient;
  /** Resolves once no message is waiting. */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * An embedded engine (sandboxes on its own port) on a fresh SQLite file or PostgreSQL database,
 * with the sync channels asked for: what `serve` runs, for the sync tests.
 */
export async function startSyncServer(dialect: TestDialect, sync: SyncSetupOptions, env: NodeJS.ProcessEnv = {}): Promise<SyncServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ehrb-sync-'));
  let databaseUrl = join(dir, 'db.sqlite');
  let drop: (() => Promise<void>) | undefined;
  if (dialect === 'postgres') ({ url: databaseUrl, drop } = await createPgDatabase());
  const server = await startServer(
    { port: 0, host: '127.0.0.1', databaseUrl, logLevel: 'silent', admin: { password: 'correct horse battery' }, ehr: { sandboxMllpPort: 0 } },
    env,
    sync,
  );
  const client = new OncallClient({ baseUrl: `${server.ctx.engineUrl}/sandbox/oncall`, apiKey: oncallSandboxApiKey(server.ctx.config), concurrency: 4, requestsPerSecond: 0, timeoutMs: 10_000, maxRetries: 2 });
  return {
    server,
    client,
    async idle(timeoutMs = 30_000) {
      await until(async () => ((await server.ctx.sync().status()).processing.waiting === 0 ? true : undefined), timeoutMs, 'no message waiting');
    },
    async close() {
      await client.close();
      await server.close();
      await drop?.();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

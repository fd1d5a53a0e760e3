import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../config/config.js';
import { buildApp } from '../http/app.js';
import { ensureAdminAccount, type AdminLogin } from '../http/auth/admin-account.js';
import { createContext, type AppContext } from './context.js';
import { setupSync, type SyncSetup, type SyncSetupOptions } from '../flows/sync/setup.js';
import { getEhrSandboxInfo } from '../sandboxes/ehr/plugin.js';

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  ctx: AppContext;
  admin: AdminLogin;
  /** Alias of admin.password, for tests. */
  adminPassword: string | undefined;
  /** The sync spine of this process (issue 8): the MLLP channel when asked for, the processor. */
  sync: SyncSetup;
  close(): Promise<void>;
}

/**
 * Starts the engine: database (migrated), queue worker, API, web UI and (embedded run) the
 * sandboxes on the same port. `overrides` take precedence over file and environment
 * (tests: `{ port: 0, databaseUrl: tmpFile }`).
 */
export async function startServer(
  overrides: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = process.env,
  syncOptions: SyncSetupOptions = {},
): Promise<RunningServer> {
  const config: Config = loadConfig(env, overrides);
  const ctx = await createContext(config);
  let app: FastifyInstance | undefined;
  try {
    const admin = await ensureAdminAccount(ctx.store.db, config);
    app = await buildApp(ctx);
    return await listenAndWork(config, ctx, app, admin, { env, ...syncOptions });
  } catch (e) {
    // A start that fails half-way must not leave a server that answers /healthz with no worker
    // behind it: close what was opened, so the process ends and a supervisor sees the failure.
    await app?.close().catch(() => undefined);
    await ctx.close().catch(() => undefined);
    throw e;
  }
}

/** The embedded EHR receiver sandbox's MLLP address, which plays the HL7 EMR by default (issue 9). */
function embeddedEhrReceiver(app: FastifyInstance): { host: string; port: number } | undefined {
  try {
    const info = getEhrSandboxInfo(app);
    return { host: info.mllpHost, port: info.mllpPort };
  } catch {
    return undefined;
  }
}

async function listenAndWork(config: Config, ctx: AppContext, app: FastifyInstance, admin: AdminLogin, syncOptions: SyncSetupOptions): Promise<RunningServer> {
  await app.listen({ port: config.port, host: config.host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = ['0.0.0.0', '::', 'localhost'].includes(config.host) ? 'localhost' : config.host;
  const url = config.publicUrl?.replace(/\/+$/, '') ?? `http://${host}:${port}`;
  // Partner calls to the embedded sandbox go over loopback by address: `localhost` may resolve
  // to ::1 first while the server listens on 127.0.0.1 only.
  const loopback = ['0.0.0.0', '::', 'localhost', '127.0.0.1'].includes(config.host);
  ctx.engineUrl = loopback ? `http://127.0.0.1:${port}` : `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  await ctx.startWorker();
  // After the worker and the HTTP port: the processor can reach OnCall (the embedded sandbox is on
  // our own port), and the listener acknowledges only what can then be applied.
  const sync = await setupSync(ctx, { hl7EmrDefault: () => embeddedEhrReceiver(app), ...syncOptions });
  return {
    sync,
    url,
    app,
    ctx,
    admin,
    adminPassword: admin.password,
    close: async () => {
      await app.close();
      await ctx.close();
    },
  };
}

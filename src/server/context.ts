import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { OncallClient } from '../partners/oncall/client.js';
import { oncallBaseUrl } from '../partners/oncall/config.js';
import { createQueue } from '../queue/create-queue.js';
import type { JobQueue } from '../queue/queue.js';
import { openStore, type Store } from '../store/db.js';
import { migrateToLatest } from '../store/migrate.js';
import { PartnerError } from '../partners/partner-error.js';
import { oncallSandboxApiKey } from '../sandboxes/embedded.js';
import type { SandboxWebhookControl } from '../sandboxes/oncall/plugin.js';
import { sandboxesEnabled } from '../sandboxes/enabled.js';
import { ImportService } from '../flows/bulk-import/import-service.js';
import { createImportTarget } from '../flows/bulk-import/targets/create-target.js';
import { createSendToEhr, type SendToEhrService } from '../flows/send-to-ehr/create-service.js';
import { purgeJobHandlers, schedulePurge } from '../retention/purge-job.js';
import { SyncService } from '../flows/sync/sync-service.js';

/**
 * Everything a route, a job or a CLI command needs, built once per process from the
 * configuration. Partner clients are created lazily: in the embedded run the OnCall "partner"
 * is the sandbox on our own port, which is only known once the server listens.
 */
export interface AppContext {
  config: Config;
  logger: Logger;
  store: Store;
  queue: JobQueue;
  /** Base URL this process serves on (set by the server after listen; undefined in the CLI). */
  engineUrl: string | undefined;
  /** The embedded OnCall sandbox's webhook target, settable once the engine knows its address (issue 9). */
  sandboxWebhooks: SandboxWebhookControl;
  oncall(): OncallClient;
  oncallTarget(): { baseUrl: string; usesSandbox: boolean };
  imports(): ImportService;
  /** Documents to hospital EHRs ($send-to-ehr, tracking, delivery jobs). */
  sendToEhr(): SendToEhrService;
  /** The sync spine (issue 8): channels that store EMR messages and the processor that applies them. */
  sync(): SyncService;
  /** Starts this process's queue worker with every job handler. */
  startWorker(): Promise<void>;
  close(): Promise<void>;
}

export async function createContext(config: Config, opts: { logger?: Logger } = {}): Promise<AppContext> {
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  const store = openStore(config.databaseUrl, { busyTimeoutMs: config.sqliteBusyTimeoutMs });
  await migrateToLatest(store);
  const queue = createQueue(store, logger, { deadAfterMs: config.workerDeadAfterSeconds * 1000 });
  await queue.init();
  let client: OncallClient | undefined;
  let imports: ImportService | undefined;
  let sendToEhr: SendToEhrService | undefined;
  let sync: SyncService | undefined;

  const ctx: AppContext = {
    config,
    logger,
    store,
    queue,
    engineUrl: undefined,
    sandboxWebhooks: {},
    oncallTarget() {
      if (config.oncall.baseUrl || config.oncall.region) {
        return { baseUrl: oncallBaseUrl({ baseUrl: config.oncall.baseUrl, region: config.oncall.region }), usesSandbox: false };
      }
      // No partner and no sandbox in this process (CLI, or sandboxes off): one clear message,
      // as an 'auth' failure so an import stops at once instead of failing every row.
      if (!ctx.engineUrl || !sandboxesEnabled(config)) {
        throw new PartnerError('oncall', 'auth', 'OnCall Health is not configured: set ONCALL_BASE_URL (or ONCALL_REGION) and ONCALL_API_KEY');
      }
      return { baseUrl: `${ctx.engineUrl}/sandbox/oncall`, usesSandbox: true };
    },
    oncall() {
      if (client) return client;
      const target = ctx.oncallTarget();
      const apiKey =
        config.oncall.apiKey ?? (target.usesSandbox ? oncallSandboxApiKey(config) : undefined);
      if (!apiKey) throw new Error('ONCALL_API_KEY is not set');
      client = new OncallClient({
        baseUrl: target.baseUrl,
        apiKey,
        concurrency: config.oncall.concurrency,
        requestsPerSecond: config.oncall.requestsPerSecond,
        timeoutMs: config.oncall.timeoutMs,
        maxRetries: config.oncall.maxRetries,
        logger,
      });
      return client;
    },
    imports() {
      imports ??= new ImportService({
        db: store.db,
        queue,
        logger,
        targetFor: (run) =>
          createImportTarget(run, {
            oncall: () => ctx.oncall(),
            oncallBaseUrl: () => ctx.oncallTarget().baseUrl,
            emrIdField: config.oncall.emrIdField,
            emrIdMetadataKey: config.oncall.emrIdMetadataKey,
          }),
      });
      return imports;
    },
    sendToEhr() {
      // The EMR defaults to the sandbox FHIR EMR on our own port, only while it is served.
      sendToEhr ??= createSendToEhr({ store, queue, config, logger, engineUrl: () => (sandboxesEnabled(config) ? ctx.engineUrl : undefined) });
      return sendToEhr;
    },
    sync() {
      sync ??= new SyncService(store.db, () => {
        try {
          return { name: 'OnCall Health', baseUrl: ctx.oncallTarget().baseUrl };
        } catch {
          return { name: 'OnCall Health', baseUrl: null };
        }
      });
      return sync;
    },
    async startWorker() {
      const purge = { db: store.db, queue, config, logger, documents: (now: Date) => ctx.sendToEhr().runRetention(now) };
      await queue.start({ ...ctx.imports().jobHandlers(), ...ctx.sendToEhr().jobHandlers(), ...purgeJobHandlers(purge) }, { concurrency: config.workerConcurrency });
      // The retention policy's one purge job: now, then every retention.purgeIntervalMinutes.
      await schedulePurge(purge);
    },
    async close() {
      await sync?.stop();
      await queue.stop();
      await sendToEhr?.close();
      await client?.close();
      await store.close();
    },
  };
  return ctx;
}

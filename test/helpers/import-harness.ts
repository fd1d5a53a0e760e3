import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger } from '../../src/logging/logger.js';
import { ImportService } from '../../src/flows/bulk-import/import-service.js';
import type { MappingTemplate } from '../../src/flows/bulk-import/mapping/template.js';
import { runOptionsSchema, type RunOptions } from '../../src/flows/bulk-import/run-options.js';
import { isFinished } from '../../src/flows/bulk-import/run-status.js';
import type { StagingEvent } from '../../src/flows/bulk-import/stage-rows.js';
import { createImportTarget } from '../../src/flows/bulk-import/targets/create-target.js';
import { createFileValidator } from '../../src/flows/bulk-import/validation/file-validator.js';
import { OncallClient } from '../../src/partners/oncall/client.js';
import { createQueue } from '../../src/queue/create-queue.js';
import type { JobQueue } from '../../src/queue/queue.js';
import { oncallSandbox, DEFAULT_ONCALL_SANDBOX_API_KEY } from '../../src/sandboxes/oncall/plugin.js';
import { testStore, type TestDialect, type TestStore } from './stores.js';

/**
 * An import engine wired to a real OnCall sandbox over real HTTP, on a real database of the
 * given dialect: what the server does, minus the web layer.
 */
export interface ImportHarness {
  store: TestStore;
  queue: JobQueue;
  sandbox: FastifyInstance;
  sandboxUrl: string;
  client: OncallClient;
  service: ImportService;
  admin(path: string, body?: unknown): Promise<unknown>;
  countContacts(): Promise<number>;
  close(): Promise<void>;
}

export async function importHarness(
  dialect: TestDialect,
  opts: { timeoutMs?: number; timeoutHoldMs?: number; concurrency?: number; logger?: import('pino').Logger } = {},
): Promise<ImportHarness> {
  const sandbox = Fastify({ logger: false });
  await sandbox.register(oncallSandbox, { prefix: '/oncall', timeoutHoldMs: opts.timeoutHoldMs ?? 2000 });
  await sandbox.listen({ port: 0, host: '127.0.0.1' });
  const addr = sandbox.server.address();
  const sandboxUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/oncall`;
  const logger = opts.logger ?? createLogger({ level: 'silent' });
  const store = await testStore(dialect);
  const queue = createQueue(store, logger);
  await queue.init();
  const client = new OncallClient({
    baseUrl: sandboxUrl,
    apiKey: DEFAULT_ONCALL_SANDBOX_API_KEY,
    concurrency: opts.concurrency ?? 8,
    requestsPerSecond: 0,
    timeoutMs: opts.timeoutMs ?? 5000,
    maxRetries: 8,
    retryBaseMs: 20,
    logger,
  });
  const service = new ImportService({
    db: store.db,
    queue,
    logger,
    ambiguityDelayMs: 50,
    targetFor: (run) =>
      createImportTarget(run, { oncall: () => client, oncallBaseUrl: () => sandboxUrl, emrIdField: '1', emrIdMetadataKey: 'emr_id' }),
  });
  await queue.start(service.jobHandlers(), { concurrency: 4, pollIntervalMs: 50 });

  const admin = async (path: string, body?: unknown) => {
    const res = await fetch(`${sandboxUrl}/_admin/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return res.json();
  };
  return {
    store,
    queue,
    sandbox,
    sandboxUrl,
    client,
    service,
    admin,
    async countContacts() {
      const stats = (await admin('stats')) as { contacts: number };
      return stats.contacts;
    },
    async close() {
      await queue.stop();
      await client.close();
      await sandbox.close();
      await store.dispose();
    },
  };
}

/** Staging events for in-memory rows, through the same validator the CSV path uses. */
export async function* rowsToEvents(template: MappingTemplate, header: string[], rows: string[][]): AsyncGenerator<StagingEvent> {
  const v = createFileValidator(template, template.recordType);
  v.header(header);
  let line = 1;
  for (const cells of rows) {
    const r = v.row({ line: ++line, cells });
    yield { kind: 'row', line: r.line, key: r.key, record: r.record, errors: r.errors, ok: r.ok };
  }
}

export const SANDBOX_DIVISION_1 = (sandboxUrl: string) => `${sandboxUrl}/divisions/1/`;

export function contactTemplate(): MappingTemplate {
  return {
    version: 1,
    recordType: 'contacts',
    fields: {
      emrId: { column: 'id' },
      firstName: { column: 'first' },
      lastName: { column: 'last' },
      email: { column: 'email' },
      birthDate: { column: 'dob', transforms: [{ type: 'date', format: 'YYYY-MM-DD' }] },
      sex: { column: 'sex', transforms: [{ type: 'value-map', preset: 'sex' }] },
    },
  };
}

export function runOptions(over: Partial<RunOptions> = {}): RunOptions {
  return runOptionsSchema.parse({ defaults: {}, ...over });
}

/**
 * A contacts run of `people.csv` (PEOPLE_HEADER columns, contactTemplate) into the sandbox's
 * division 1 and provider 1, staged and not started; returns its id.
 */
export async function stageContacts(h: Pick<ImportHarness, 'service' | 'sandboxUrl'>, rows: string[][], over: Partial<RunOptions> = {}): Promise<string> {
  const defaults = { division: SANDBOX_DIVISION_1(h.sandboxUrl), provider: `${h.sandboxUrl}/providers/1/` };
  const run = await h.service.create({
    target: 'oncall',
    recordType: 'contacts',
    source: 'csv',
    fileName: 'people.csv',
    mapping: contactTemplate(),
    options: runOptions({ defaults, ...over }),
  });
  await h.service.stage(run.id, rowsToEvents(contactTemplate(), PEOPLE_HEADER, rows));
  return run.id;
}

export async function waitForRun(service: ImportService, runId: string, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await service.summary(runId);
    if (isFinished(s.status)) return s;
    if (Date.now() > end) throw new Error(`import ${runId} still ${s.status} after ${timeoutMs} ms: ${JSON.stringify(s.counts)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function fakePeople(n: number, offset = 0): string[][] {
  return Array.from({ length: n }, (_, i) => {
    const k = i + offset;
    return [`emr-${k}`, `First${String.fromCharCode(65 + (k % 26))}`, `Last${String.fromCharCode(65 + ((k * 7) % 26))}`, `person${k}@example.org`, `19${50 + (k % 50)}-0${1 + (k % 9)}-1${k % 9}`, k % 2 ? 'M' : 'F'];
  });
}
export const PEOPLE_HEADER = ['id', 'first', 'last', 'email', 'dob', 'sex'];

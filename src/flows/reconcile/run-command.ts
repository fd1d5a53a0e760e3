import { rm } from 'node:fs/promises';
import { loadConfig } from '../../config/config.js';
import { OncallClient } from '../../partners/oncall/client.js';
import { FhirReader } from '../../partners/fhir-emr/fhir-reader.js';
import { createLogger } from '../../logging/logger.js';
import { openStore } from '../../store/db.js';
import { migrateToLatest } from '../../store/migrate.js';
import { reconcileEndpoints, ReconcileSetupError } from './connect.js';
import { hasFindings, summaryLine, type Finding, type ReconcileType } from './findings.js';
import { openReport, type ReportWriter } from './csv-report.js';
import { OwnersError, parseOwners } from './owners.js';
import { reconcile, type ReconcileProgress } from './reconcile.js';
import { failureWords } from './runs.js';
import { emrRecords, oncallRecords } from './sources.js';

/** `ehr-bridge reconcile`'s work (src/cli/commands/reconcile.ts holds the options). */
export const EXIT = { inSync: 0, fatal: 1, findings: 2 } as const;

export async function runReconcileCommand(opts: { type: ReconcileType; report?: string; json?: boolean }): Promise<number> {
  const fail = (message: string): number => {
    if (opts.json) process.stdout.write(`${JSON.stringify({ error: message, exitCode: EXIT.fatal })}\n`);
    process.stderr.write(`ehr-bridge reconcile: ${message}\n`);
    return EXIT.fatal;
  };
  let config;
  let endpoints;
  let owners;
  try {
    config = loadConfig();
    endpoints = reconcileEndpoints(config);
    owners = parseOwners(process.env.EHR_BRIDGE_SYNC_OWNERS);
  } catch (e) {
    if (e instanceof ReconcileSetupError || e instanceof OwnersError) return fail(e.message);
    return fail((e as Error).message);
  }
  const logger = createLogger({ level: config.logLevel });
  const store = openStore(config.databaseUrl, { busyTimeoutMs: config.sqliteBusyTimeoutMs });
  // A person waits for the answer: fewer retries than the sync's, then the failure in words.
  const client = new OncallClient({ baseUrl: endpoints.oncall.baseUrl, apiKey: endpoints.oncall.apiKey, maxRetries: 2, timeoutMs: config.oncall.timeoutMs, concurrency: config.oncall.concurrency, logger });
  const reader = new FhirReader({ baseUrl: endpoints.emr.baseUrl, bearerToken: endpoints.emr.bearerToken, timeoutMs: config.emr.timeoutMs, maxRetries: 2, logger });
  let report: ReportWriter | undefined;
  const findings: Finding[] = [];
  const progress = !opts.json && process.stderr.isTTY ? progressLine() : undefined;
  try {
    await migrateToLatest(store);
    if (opts.report) {
      try {
        report = await openReport(opts.report);
      } catch (e) {
        return fail(`cannot write the report to ${opts.report} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
    const summary = await reconcile({
      type: opts.type,
      emr: emrRecords(opts.type, reader),
      oncall: oncallRecords(opts.type, client, { emrIdField: config.oncall.emrIdField, emrIdMetadataKey: config.oncall.emrIdMetadataKey }),
      db: store.db,
      owners,
      onFinding: async (f) => {
        if (opts.json) findings.push(f);
        await report?.write(f);
      },
      ...(progress ? { onProgress: progress.update } : {}),
    });
    progress?.done();
    await report?.close();
    report = undefined;
    const exitCode = hasFindings(summary) ? EXIT.findings : EXIT.inSync;
    if (opts.json) process.stdout.write(`${JSON.stringify({ type: opts.type, summary, line: summaryLine(summary), report: opts.report ?? null, findings, exitCode }, null, 2)}\n`);
    else process.stdout.write(`${summaryLine(summary)}\n`);
    return exitCode;
  } catch (e) {
    progress?.done();
    // No half-written report: a run that failed leaves no file to mistake for its result.
    if (report) {
      await report.close().catch(() => undefined);
      report = undefined;
      await rm(opts.report as string, { force: true });
    }
    const where = endpoints.oncall.usesSandbox || endpoints.emr.usesSandbox ? ' (with no partner configured, the sandboxes of the engine on this machine are read: is `npm start` running?)' : '';
    return fail(`${failureWords(e)}${where}`);
  } finally {
    await report?.close().catch(() => undefined);
    await client.close();
    await reader.close();
    await store.close();
  }
}

function progressLine(): { update: (p: ReconcileProgress) => void; done: () => void } {
  let last = 0;
  let shown = false;
  return {
    update: (p) => {
      if (Date.now() - last < 200 && p.phase !== 'done') return;
      last = Date.now();
      shown = true;
      const total = p.oncallTotal === undefined ? '' : `/${p.oncallTotal}`;
      process.stderr.write(`\r  OnCall read ${p.oncall}${total}  EMR read ${p.emr}\x1b[K`);
    },
    done: () => {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

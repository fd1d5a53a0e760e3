import type { Command } from 'commander';
import type { ScanKind, ScanResult } from '../../channels/oncall-scan/index.js';

const SCAN_HELP = `
Reads every page of OnCall's contacts (and appointments) in this process, against the
configured database and OnCall account (ONCALL_BASE_URL or ONCALL_REGION, ONCALL_API_KEY),
and stores a message for each record that is new or changed since the last scan. The running
engine's processor applies them to the EMR. An interrupted scan (OnCall down, the command
stopped) resumes at the page it reached. Without --type: contacts, then appointments.

Exit code: 0 every scan done, 1 a scan interrupted or refused (another scan of the type is
running, OnCall not configured), or a wrong option.

Examples:
  ehr-bridge sync scan
  ehr-bridge sync scan --type contacts --json
`;

const fmt = new Intl.NumberFormat('en-US');
const plural = (n: number, one: string, many: string): string => `${fmt.format(n)} ${n === 1 ? one : many}`;

/** "Scanned 1,204 contacts in 12 pages: 2 new or changed, stored for sync." */
export function scanSummary(r: ScanResult): string {
  const kind = r.run.kind === 'contacts' ? ['contact', 'contacts'] : ['appointment', 'appointments'];
  const found = r.run.changed === 0 ? 'nothing new or changed' : `${fmt.format(r.run.changed)} new or changed, stored for sync`;
  const resumed = r.resumedAt ? ` (resumed at page ${r.resumedAt})` : '';
  if (r.run.status === 'done') return `Scanned ${plural(r.run.seen, kind[0]!, kind[1]!)} in ${plural(r.pages, 'page', 'pages')}${resumed}: ${found}.`;
  return `Scan of ${kind[1]} interrupted at page ${r.run.nextPage} after ${plural(r.run.seen, kind[0]!, kind[1]!)} (${found}): ${r.run.error ?? 'stopped'}. The next scan resumes at that page.`;
}

function scanJson(r: ScanResult): Record<string, unknown> {
  return {
    type: r.run.kind,
    run: r.run.id,
    status: r.run.status,
    seen: r.run.seen,
    changed: r.run.changed,
    stored: r.stored,
    pages: r.pages,
    pagesRead: r.pagesRead,
    requests: r.run.requests,
    resumedAt: r.resumedAt,
    error: r.run.error,
    durationMs: r.durationMs,
  };
}

interface ScanOpts {
  type?: string;
  json?: boolean;
}

async function runScan(o: ScanOpts): Promise<number> {
  const fail = (message: string): number => {
    process.stderr.write(`ehr-bridge sync scan: ${message}\n`);
    if (o.json) process.stdout.write(`${JSON.stringify({ error: message, exitCode: 1 })}\n`);
    return 1;
  };
  const kinds: ScanKind[] = o.type === undefined ? ['contacts', 'appointments'] : o.type === 'contacts' || o.type === 'appointments' ? [o.type] : [];
  if (kinds.length === 0) return fail(`unknown --type "${String(o.type).slice(0, 40)}" (contacts or appointments)`);
  // Loaded here: `ehr-bridge --help` must not load the database or the OnCall client.
  const [{ loadConfig }, { createContext }, scan] = await Promise.all([
    import('../../config/config.js'),
    import('../../server/context.js'),
    import('../../channels/oncall-scan/index.js'),
  ]);
  const config = loadConfig();
  if (!config.oncall.baseUrl && !config.oncall.region) {
    return fail('OnCall Health is not configured: set ONCALL_BASE_URL (or ONCALL_REGION) and ONCALL_API_KEY (see README)');
  }
  const ctx = await createContext(config);
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // The engine's processor (another process) finds the stored messages on its next poll.
    const scanner = scan.createOncallScanner({ db: ctx.store.db, dialect: ctx.store.dialect, client: () => ctx.oncall(), wake: () => undefined, logger: ctx.logger });
    const results: ScanResult[] = [];
    for (const kind of kinds) {
      let r: ScanResult;
      try {
        r = await scanner.scan(kind, 'manual', stop.signal);
      } catch (e) {
        if (e instanceof scan.ScanBusy) return fail(`${e.message} (the engine's schedule or another command); try again when it ends`);
        throw e;
      }
      results.push(r);
      if (!o.json) process.stdout.write(`${scanSummary(r)}\n`);
      if (r.run.status !== 'done') break;
    }
    if (o.json) process.stdout.write(`${JSON.stringify(results.length === 1 ? scanJson(results[0]!) : results.map(scanJson))}\n`);
    return results.every((r) => r.run.status === 'done') && results.length === kinds.length ? 0 : 1;
  } catch (e) {
    return fail((e as Error).message);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await ctx.close();
  }
}

/**
 * `ehr-bridge sync scan` (issue 9, "Scans"): an OnCall scan now, in this process. The options
 * only here: the database, the client and the scanner load in the action.
 */
export function registerSyncCommand(program: Command): void {
  const cmd = program.command('sync').description('the sync between the EMR and OnCall Health: scan OnCall for new and changed records');
  cmd
    .command('scan')
    .description('read OnCall contacts and appointments now; store what is new or changed for the engine to apply to the EMR')
    .option('--type <type>', 'contacts or appointments (default: both, contacts first)')
    .option('--json', 'print the outcome as JSON (one object, or an array for both types)')
    .addHelpText('after', SCAN_HELP)
    .showHelpAfterError('see ehr-bridge sync scan --help')
    .action(async (o: ScanOpts) => {
      process.exitCode = await runScan(o);
    });
}

import type { Logger } from 'pino';
import { MessageStore } from '../../messages/message-store.js';
import type { OncallClient } from '../../partners/oncall/client.js';
import type { AppContext } from '../../server/context.js';
import type { Db, Dialect } from '../../store/db.js';
import { Leases } from '../../store/repos/leases.js';
import { OncallScanChannel } from './channel.js';
import { ScanStore } from './scan-store.js';
import { OncallScanner, type ScannerDeps, type ScanSource } from './scanner.js';
import { oncallScanSettings, type OncallScanSettings } from './settings.js';

export { OncallScanChannel } from './channel.js';
export { ScanBusy } from './scan-lock.js';
export { ScanStore, SCAN_SYSTEM, type ScanRun, type ScanStatus, type ScanTrigger } from './scan-store.js';
export { OncallScanner, scanErrorWords, ScanStopped, type ScanResult, type ScanSource } from './scanner.js';
export { oncallScanSettings, OncallScanSettingsError, ONCALL_SCAN_ENV, type OncallScanSettings } from './settings.js';
export { isScanKind, SCAN_CHANNEL, SCAN_KINDS, type ScanKind } from './to-message.js';

/** The OnCall client as the scanner's page source. */
export function oncallScanSource(client: OncallClient): ScanSource {
  return { listPage: (kind, page, pageSize) => client.listPage(kind, page, pageSize) };
}

export interface ScannerParts {
  db: Db;
  dialect: Dialect;
  client: () => OncallClient;
  wake: () => void;
  logger?: Logger;
  messages?: MessageStore;
  extra?: Partial<ScannerDeps>;
}

/** A scanner on a database and an OnCall client (the CLI runs one without a channel). */
export function createOncallScanner(p: ScannerParts): OncallScanner {
  return new OncallScanner({
    store: new ScanStore(p.db),
    messages: p.messages ?? new MessageStore(p.db, p.dialect),
    source: () => oncallScanSource(p.client()),
    wake: p.wake,
    dialect: p.dialect,
    leases: new Leases(p.db, 60_000),
    ...(p.logger ? { logger: p.logger } : {}),
    ...p.extra,
  });
}

/**
 * The scan channel of a server process (the lead registers it in setupSync with
 * `sync.addChannel`). Always built: with EHR_BRIDGE_ONCALL_SCAN_EVERY=off it has no schedule
 * but the API and the CLI still scan. Throws OncallScanSettingsError on a bad schedule value.
 */
export function createOncallScanChannel(ctx: AppContext, overrides: Partial<OncallScanSettings> = {}, env: NodeJS.ProcessEnv = process.env): OncallScanChannel {
  const settings = oncallScanSettings(env, overrides);
  const store = new ScanStore(ctx.store.db);
  const scanner = createOncallScanner({ db: ctx.store.db, dialect: ctx.store.dialect, client: () => ctx.oncall(), wake: () => ctx.sync().wake(), logger: ctx.logger });
  return new OncallScanChannel({ scanner, store, settings, logger: ctx.logger });
}

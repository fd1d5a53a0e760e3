import { Command } from 'commander';
import { registerApiKeysCommand } from './commands/api-keys.js';
import { registerClientsCommand } from './commands/clients.js';
import { registerImportCommand } from './commands/import-command.js';
import { registerMessagesCommand } from './commands/messages.js';
import { registerSandboxCommand } from './commands/sandbox.js';
import { registerReconcileCommand } from './commands/reconcile.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSyncCommand } from './commands/sync.js';
import { parseLogFormat, useCommandLineLogging } from '../logging/log-settings.js';

/**
 * `ehr-bridge`: one binary for the server, the sandboxes and the command-line jobs. Each
 * command reads the same configuration (environment, optional EHR_BRIDGE_CONFIG file).
 *
 * Start-up stays light: this file and the command definitions import only commander; each
 * command loads what it needs (fastify, kysely, the database driver...) in its action, so
 * `--help` and a mistyped option answer at once.
 */
const program = new Command()
  .name('ehr-bridge')
  .description('Integration engine between EMRs/EHRs, telehealth platforms and hospital EHR inboxes')
  .version('0.1.0')
  .showHelpAfterError();

/** The long-running commands; the others are one-shot jobs whose output is for a person. */
const SERVERS = new Set(['serve', 'sandbox']);

registerServeCommand(program);
program.hook('preAction', async (_program, command) => {
  parseLogFormat(process.env.LOG_FORMAT);
  let top = command;
  while (top.parent && top.parent !== program) top = top.parent;
  if (!SERVERS.has(top.name())) useCommandLineLogging();
  // Only the long-running server keeps going after an unhandled rejection; a one-shot command
  // (import, api-keys...) keeps Node's default and fails loudly.
  if (top.name() === 'serve') {
    const [{ installProcessGuards }, { createLogger }] = await Promise.all([import('./process-guards.js'), import('../logging/logger.js')]);
    installProcessGuards(createLogger());
  }
});
registerSandboxCommand(program);
registerImportCommand(program);
registerApiKeysCommand(program);
registerClientsCommand(program);
registerMessagesCommand(program);
registerSyncCommand(program);
registerReconcileCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.stderr.write(`ehr-bridge: ${(e as Error).message}\n`);
  process.exitCode = 1;
}

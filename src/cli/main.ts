import { Command } from 'commander';
import { registerApiKeysCommand } from './commands/api-keys.js';
import { registerClientsCommand } from './commands/clients.js';
import { registerImportCommand } from './commands/import.js';
import { registerSandboxCommand } from './commands/sandbox.js';
import { registerServeCommand } from './commands/serve.js';
import { installProcessGuards } from './process-guards.js';
import { createLogger } from '../logging/logger.js';

/**
 * `ehr-bridge`: one binary for the server, the sandboxes and the command-line jobs. Each
 * command reads the same configuration (environment, optional EHR_BRIDGE_CONFIG file).
 */
const program = new Command()
  .name('ehr-bridge')
  .description('Integration engine between EMRs/EHRs, telehealth platforms and hospital EHR inboxes')
  .version('0.1.0')
  .showHelpAfterError();

registerServeCommand(program);
// Only the long-running server keeps going after an unhandled rejection; a one-shot command
// (import, api-keys...) keeps Node's default and fails loudly.
program.hook('preAction', (_program, command) => {
  if (command.name() === 'serve') installProcessGuards(createLogger());
});
registerSandboxCommand(program);
registerImportCommand(program);
registerApiKeysCommand(program);
registerClientsCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.stderr.write(`ehr-bridge: ${(e as Error).message}\n`);
  process.exitCode = 1;
}

import type { Command } from 'commander';
import { withDatabase } from '../with-database.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../../http/auth/api-keys.js';

export function registerApiKeysCommand(program: Command): void {
  const cmd = program.command('api-keys').description('manage API keys for the engine API');
  cmd
    .command('create')
    .requiredOption('--name <name>', 'what the key is for')
    .action(async (o: { name: string }) => {
      const k = await withDatabase((db) => createApiKey(db, o.name));
      process.stdout.write(`id:  ${k.id}\nkey: ${k.key}\n(the key is shown only once)\n`);
    });
  cmd.command('list').action(async () => {
    for (const k of await withDatabase(listApiKeys)) {
      process.stdout.write(`${k.id}  ${k.prefix}…  ${k.name}${k.revokedAt ? '  (revoked)' : ''}\n`);
    }
  });
  cmd
    .command('revoke <id>')
    .action(async (id: string) => {
      if (!(await withDatabase((db) => revokeApiKey(db, id)))) throw new Error('no such active key');
      process.stdout.write('revoked\n');
    });
}

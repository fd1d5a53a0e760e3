import type { Command } from 'commander';

/** The database and the key functions load in the action: `--help` stays light. */
const deps = async () => {
  const [{ withDatabase }, keys] = await Promise.all([import('../with-database.js'), import('../../http/auth/api-keys.js')]);
  return { withDatabase, ...keys };
};

export function registerApiKeysCommand(program: Command): void {
  const cmd = program.command('api-keys').description('manage API keys for the engine API');
  cmd
    .command('create')
    .description('create a key and print it (shown only once)')
    .requiredOption('--name <name>', 'what the key is for')
    .action(async (o: { name: string }) => {
      const { withDatabase, createApiKey } = await deps();
      const k = await withDatabase((db) => createApiKey(db, o.name));
      process.stdout.write(`id:  ${k.id}\nkey: ${k.key}\n(the key is shown only once)\n`);
    });
  cmd
    .command('list')
    .description('list keys (never the keys themselves)')
    .action(async () => {
      const { withDatabase, listApiKeys } = await deps();
      for (const k of await withDatabase(listApiKeys)) {
        process.stdout.write(`${k.id}  ${k.prefix}…  ${k.name}${k.revokedAt ? '  (revoked)' : ''}\n`);
      }
    });
  cmd
    .command('revoke <id>')
    .description('revoke a key')
    .action(async (id: string) => {
      const { withDatabase, revokeApiKey } = await deps();
      if (!(await withDatabase((db) => revokeApiKey(db, id)))) throw new Error('no such active key');
      process.stdout.write('revoked\n');
    });
}

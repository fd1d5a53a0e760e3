import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../../http/auth/api-keys.js';
import { openStore } from '../../store/db.js';
import { migrateToLatest } from '../../store/migrate.js';

export function registerApiKeysCommand(program: Command): void {
  const cmd = program.command('api-keys').description('manage API keys for the engine API');
  const withStore = async <T>(fn: (db: ReturnType<typeof openStore>['db']) => Promise<T>) => {
    const store = openStore(loadConfig().databaseUrl);
    try {
      await migrateToLatest(store);
      return await fn(store.db);
    } finally {
      await store.close();
    }
  };
  cmd
    .command('create')
    .requiredOption('--name <name>', 'what the key is for')
    .action(async (o: { name: string }) => {
      const k = await withStore((db) => createApiKey(db, o.name));
      process.stdout.write(`id:  ${k.id}\nkey: ${k.key}\n(the key is shown only once)\n`);
    });
  cmd.command('list').action(async () => {
    for (const k of await withStore(listApiKeys)) {
      process.stdout.write(`${k.id}  ${k.prefix}…  ${k.name}${k.revokedAt ? '  (revoked)' : ''}\n`);
    }
  });
  cmd
    .command('revoke <id>')
    .action(async (id: string) => {
      if (!(await withStore((db) => revokeApiKey(db, id)))) throw new Error('no such active key');
      process.stdout.write('revoked\n');
    });
}

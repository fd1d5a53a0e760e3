import type { Command } from 'commander';
import { KNOWN_SCOPES } from '../../http/oauth/scopes.js';

/** The database and the client functions load in the action: `--help` stays light. */
const deps = async () => {
  const [{ withDatabase }, clients] = await Promise.all([import('../with-database.js'), import('../../http/oauth/clients.js')]);
  return { withDatabase, ...clients };
};

/**
 * `ehr-bridge clients create|list|revoke`: OAuth clients of the FHIR API (client credentials).
 * The secret is printed once at creation and stored hashed.
 */
export function registerClientsCommand(program: Command): void {
  const cmd = program.command('clients').description('manage OAuth clients of the FHIR API (client credentials grant)');
  cmd
    .command('create')
    .description('create a client and print its id and secret')
    .requiredOption('--name <name>', 'the application the client is for')
    .requiredOption('--scope <scopes>', `space-separated scopes: ${KNOWN_SCOPES.join(', ')}`)
    .action(async (o: { name: string; scope: string }) => {
      const { withDatabase, createOauthClient } = await deps();
      const c = await withDatabase((db) => createOauthClient(db, { name: o.name, scopes: o.scope }));
      process.stdout.write(`client_id:     ${c.id}\nclient_secret: ${c.secret}\nscope:         ${c.scopes.join(' ')}\n(the secret is shown only once)\n`);
    });
  cmd
    .command('list')
    .description('list clients')
    .action(async () => {
      const { withDatabase, listOauthClients } = await deps();
      for (const c of await withDatabase(listOauthClients)) {
        process.stdout.write(`${c.id}  ${c.name}  [${c.scopes.join(' ')}]${c.revokedAt ? '  (revoked)' : ''}\n`);
      }
    });
  cmd
    .command('revoke <id>')
    .description('revoke a client and every token it holds')
    .action(async (id: string) => {
      const { withDatabase, revokeOauthClient } = await deps();
      if (!(await withDatabase((db) => revokeOauthClient(db, id)))) throw new Error('no such active client');
      process.stdout.write('revoked\n');
    });
}

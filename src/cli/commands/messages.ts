import type { Command } from 'commander';
import type { ListOpts, ReprocessOpts, ShowOpts } from '../messages/run-messages.js';

const STATUS_HELP = 'received (waiting), processed, failed, ignored or rejected';
const TYPE_HELP = 'message type, with or without its event: ADT, ADT^A08, SIU^S12';
const TIME_HELP = 'a date-time (2026-01-31T08:00:00Z, UTC when no zone), a date, or a time ago: 30m, 2h, 7d';

const LIST_HELP = `
Examples:
  ehr-bridge messages list --status failed --since 1d
  ehr-bridge messages list --patient MRN-12345 --type ADT^A08 --json
`;
const SHOW_HELP = `
Examples:
  ehr-bridge messages show 1234          what the message is, its ACK, and what processing did
  ehr-bridge messages show 1234 --raw    the message itself, one segment a line
`;
const REPROCESS_HELP = `
Sets messages back to waiting (status received, error cleared); the running engine processes
them again within a second and skips what OnCall already holds, so nothing is applied twice.
Each message's trace records who asked. At most 10,000 messages a run: the command says how
many more match.

On a terminal it asks before setting more than one message back; --yes does not ask. Not on a
terminal (a script, CI), a selection by criteria needs --yes.

Exit code: 0 done (or nothing to do), 1 a message id that does not exist or the database
unreachable, 2 a wrong option or value.

Examples:
  ehr-bridge messages reprocess 1234 1240
  ehr-bridge messages reprocess --status failed --since 2h --yes
  ehr-bridge messages reprocess --status failed --type SIU^S12 --channel mllp
`;

/**
 * `ehr-bridge messages list|show|reprocess` (issue 8, "Seeing it work"): the message store from
 * the command line, on the configured database (EHR_BRIDGE_DATABASE_URL), beside a running
 * engine or not. The options only: the store and the words load in the actions.
 */
export function registerMessagesCommand(program: Command): void {
  const cmd = program
    .command('messages')
    .description('inbound messages (HL7 v2, FHIR feed): list, show one with its trace, reprocess')
    // A wrong option or value is exit 2 (bad usage), here as in the subcommands' own checks;
    // --help stays 0. Set before the subcommands, which inherit it.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
  const run = () => import('../messages/run-messages.js');

  cmd
    .command('list')
    .description('list messages, newest first: time, id, type, status, control id, patients, error')
    .option('--status <status>', STATUS_HELP)
    .option('--type <type>', TYPE_HELP)
    .option('--patient <id>', 'patient id (EMR id) the message is about')
    .option('--channel <channel>', 'mllp (HL7 v2 listener) or fhir (FHIR change feed)')
    .option('--since <time>', `received at or after: ${TIME_HELP}`)
    .option('--before <time>', 'received before this time (same forms as --since)')
    .option('--limit <n>', 'how many (default 50, at most 10000)')
    .option('--json', 'print a JSON array of the messages (no bodies)')
    .addHelpText('after', LIST_HELP)
    .showHelpAfterError('see ehr-bridge messages list --help')
    .action(async (o: ListOpts) => {
      process.exitCode = await (await run()).runList(o);
    });

  cmd
    .command('show <id>')
    .description('one message: header, status, ACK sent, and its trace in plain words')
    .option('--raw', 'print the message text only, one segment a line')
    .option('--json', 'print the message as one JSON object (with its text, ACK and trace)')
    .addHelpText('after', SHOW_HELP)
    .showHelpAfterError('see ehr-bridge messages show --help')
    .action(async (id: string, o: ShowOpts) => {
      process.exitCode = await (await run()).runShow(id, o);
    });

  cmd
    .command('reprocess [ids...]')
    .description('set messages back to waiting so the running engine processes them again')
    .option('--status <status>', 'processed, failed, ignored or rejected')
    .option('--type <type>', TYPE_HELP)
    .option('--patient <id>', 'patient id (EMR id) the messages are about')
    .option('--channel <channel>', 'mllp or fhir')
    .option('--since <time>', `received at or after: ${TIME_HELP}`)
    .option('--before <time>', 'received before this time (same forms as --since)')
    .option('--yes', 'do not ask (needed for a selection when not on a terminal)')
    .option('--json', 'print {requeued, ids, left} as one JSON object')
    .addHelpText('after', REPROCESS_HELP)
    .showHelpAfterError('see ehr-bridge messages reprocess --help')
    .action(async (ids: string[], o: ReprocessOpts) => {
      process.exitCode = await (await run()).runReprocess(ids, o);
    });
}

import { Option, type Command } from 'commander';
import { RECORD_TYPES } from '../../domain/identifiers.js';

/** What `ehr-bridge import` was given (commander's camel-cased option names). */
export interface ImportOpts {
  target: string;
  type: string;
  mapping?: string;
  dryRun?: boolean;
  report?: string;
  update?: boolean;
  division?: string;
  provider?: string;
  from?: string;
  resource?: string;
  bulk?: boolean;
  progress?: boolean;
  emrIdField?: string;
  moveBetweenClinics?: boolean;
  json?: boolean;
}

const MORE_HELP = `
Records already in OnCall (found by their EMR id, in this clinic):
  by default they are left as they are: "already up to date" when nothing changed, "not
  updated" when the file has other values. --update updates the fields that changed.

Exit code: 0 every row was imported or already there, 2 some rows were left out (their
problems are printed and in --report), 1 the import could not run (bad option, unreadable
file, OnCall refused the API key).

Without --mapping, the mapping suggested from the file's column names is printed, then used.
OnCall is set with ONCALL_BASE_URL (or ONCALL_REGION) and ONCALL_API_KEY.

Examples:
  ehr-bridge import patients.csv --type contacts --division 1 --provider 1 --report report.csv
  ehr-bridge import visits.csv --type appointments --mapping visits.json --division 1 --dry-run
  ehr-bridge import --from https://emr.example.org/fhir --resource Patient --type contacts --division 1 --provider 1
`;

/**
 * `ehr-bridge import`: the options only. The import itself (./import.js, with the database,
 * the OnCall client and the queue) loads when the command runs, so `import --help` is instant.
 */
export function registerImportCommand(program: Command): void {
  program
    .command('import [file]')
    .description('import a CSV file (or records pulled from a FHIR R4 EMR with --from) into a platform')
    .addOption(new Option('--target <target>', 'target platform').choices(['oncall']).default('oncall'))
    .addOption(new Option('--type <type>', 'what each row becomes: roster contacts (patients) or appointments').choices(RECORD_TYPES).default('contacts'))
    .option('--mapping <template-or-file>', 'a saved mapping template name, or a JSON mapping file (docs/mapping-format.md); default: the suggested mapping, printed')
    .option('--division <division>', 'division (clinic; URL or id) for rows that do not name one')
    .option('--provider <provider>', 'provider (URL or id) for rows that do not name one')
    .option('--emr-id-field <id>', 'roster custom field (id) that holds the EMR id (default ONCALL_EMR_ID_FIELD)')
    .option('--update', 'update the changed fields of records already in OnCall (default: leave them as they are)')
    .option('--move-between-clinics', 'move patients found in another division (clinic) into this one (default: leave them there and report them)')
    .option('--dry-run', 'check every row and compare with OnCall; send nothing')
    .option('--report <out.csv>', 'write the per-row report (line, outcome, reason, OnCall link) to this file')
    .option('--json', 'print the final summary as one JSON object on stdout (everything else goes to stderr)')
    .option('--from <fhir-base-url>', 'pull records from this FHIR R4 server instead of a file')
    .addOption(new Option('--resource <type>', 'with --from: the FHIR resource to pull').choices(['Patient', 'Appointment']).default('Patient'))
    .option('--no-bulk', 'with --from: use paged search even when the server offers $export')
    .option('--no-progress', 'no progress bar (there is none when stderr is not a terminal)')
    .addHelpText('after', MORE_HELP)
    // A mistyped option: the error and where the help is, not 45 lines of help that scroll it away.
    .showHelpAfterError('see ehr-bridge import --help')
    .action(async (file: string | undefined, opts: ImportOpts) => {
      const { runImport } = await import('./import.js');
      process.exitCode = await runImport(file, opts);
    });
}

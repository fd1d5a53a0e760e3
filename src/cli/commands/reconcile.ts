import { InvalidArgumentError, type Command } from 'commander';

/**
 * `ehr-bridge reconcile` (issue 9, "Reconciliation" and "Interface that outside checks rely
 * on"): lists the EMR and OnCall, joins them and prints ONE line
 * `in sync N, missing in OnCall N, missing in EMR N, different N, duplicated N`; `--report`
 * writes one CSV row per finding. Exit 0 all in sync, 2 findings, 1 a fatal error (a partner
 * unreachable, a wrong option). Modules load in the action: `--help` stays instant.
 */
interface ReconcileOptions {
  type: 'contacts' | 'appointments';
  report?: string;
  json?: boolean;
}

const HELP = `
Reads OnCall Health (ONCALL_BASE_URL or ONCALL_REGION, ONCALL_API_KEY) and the FHIR EMR
(EHR_BRIDGE_EMR_FHIR_URL); with neither configured, the sandboxes of the engine running on this
machine (npm start, PORT). Links come from the configured database (EHR_BRIDGE_DATABASE_URL).
Which side owns each field: EHR_BRIDGE_SYNC_OWNERS (default patient=emr,appointment=oncall).

Exit code: 0 all in sync, 2 findings, 1 fatal error.

Examples:
  ehr-bridge reconcile
  ehr-bridge reconcile --type appointments --report appointments.csv
`;

function parseType(value: string): ReconcileOptions['type'] {
  if (value === 'contacts' || value === 'appointments') return value;
  throw new InvalidArgumentError('choose contacts or appointments.');
}

export function registerReconcileCommand(program: Command): void {
  program
    .command('reconcile')
    .description('compare the EMR and OnCall Health record by record: in sync, missing on a side, different, duplicated')
    .option('--type <type>', 'contacts (EMR patients) or appointments', parseType, 'contacts')
    .option('--report <file>', 'write one CSV row per finding to this file')
    .option('--json', 'print the summary and the findings as JSON instead of the line')
    .addHelpText('after', HELP)
    .action(async (opts: ReconcileOptions) => {
      const { runReconcileCommand } = await import('../../flows/reconcile/run-command.js');
      process.exitCode = await runReconcileCommand(opts);
    });
}

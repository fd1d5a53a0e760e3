import type { Provider } from '../../partners/oncall/schemas.js';
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import type { ImportOpts } from './import-command.js';
import { describeMapping } from '../import/mapping-text.js';
import { problemText, type RowProblem } from '../import/problem-text.js';
import { EXIT, count, importOutcome, outcomeLine, timeLeft } from '../import/summary.js';
import { providerDivisionProblem } from '../import/provider-membership.js';
import { loadConfig } from '../../config/config.js';
import { RECORD_TYPES, type RecordType } from '../../domain/identifiers.js';
import type { ImportService, RunSummary } from '../../flows/bulk-import/import-service.js';
import { mappingTemplateSchema, type MappingTemplate } from '../../flows/bulk-import/mapping/template.js';
import { writeReportCsv } from '../../flows/bulk-import/report.js';
import { runOptionsSchema } from '../../flows/bulk-import/run-options.js';
import { csvStagingEvents } from '../../flows/bulk-import/stage-csv.js';
import { fhirStagingEvents } from '../../flows/bulk-import/stage-fhir.js';
import { participantEmailFallbackRows } from '../../flows/bulk-import/fhir/fallback-rows.js';
import { isFinished } from '../../flows/bulk-import/run-status.js';
import { describeChangePreview } from '../../flows/bulk-import/change-preview.js';
import { previewOfRun } from '../../flows/bulk-import/change-preview-run.js';
import { createContext, type AppContext } from '../../server/context.js';
import { suggestedTemplateForFile } from '../../flows/bulk-import/suggest-for-file.js';
import { withRunDefaults } from '../../flows/bulk-import/template-defaults.js';
import { missingSettingsMessage } from '../../flows/bulk-import/required-settings.js';
import { suggestEmrAppointmentMapping } from '../../flows/bulk-import/fhir/emr-appointment.js';

export { EXIT } from '../import/summary.js';

/** `ehr-bridge import`; its options are declared in ./import-command.ts (light, for a fast `--help`). */
export async function runImport(file: string | undefined, opts: ImportOpts): Promise<number> {
  // With --json, stdout carries the one JSON object and nothing else: the rest goes to stderr.
  const out = (s: string) => (opts.json ? process.stderr : process.stdout).write(`${s}\n`);
  const printJson = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
  const err = (s: string) => process.stderr.write(`${s}\n`);
  if (opts.target !== 'oncall') return fail(`unknown target "${opts.target}" (supported: oncall)`);
  if (!(RECORD_TYPES as readonly string[]).includes(opts.type)) return fail(`unknown --type "${opts.type}" (contacts or appointments)`);
  if (!file && !opts.from) return fail('give a CSV file, or --from <FHIR base URL>');
  if (file && !existsSync(file)) return fail(`no such file: ${file}`);
  const recordType = opts.type as RecordType;
  if (opts.from) {
    if (opts.resource === 'Patient' && recordType !== 'contacts') return fail('--resource Patient imports --type contacts');
    if (opts.resource === 'Appointment' && recordType !== 'appointments') return fail('--resource Appointment imports --type appointments');
  }

  const config = loadConfig();
  if (!config.oncall.baseUrl && !config.oncall.region) {
    return fail('OnCall Health is not configured: set ONCALL_BASE_URL (or ONCALL_REGION) and ONCALL_API_KEY (see README)');
  }
  let ctx: AppContext | undefined;
  try {
    ctx = await createContext(config);
    await ctx.oncall().checkAuth();
    const svc = ctx.imports();

    const mapping = file
      ? await resolveMapping(ctx, recordType, opts.mapping, out, () => suggestedTemplateForFile(createReadStream(file), recordType))
      : recordType === 'appointments'
        ? await resolveMapping(ctx, recordType, opts.mapping, out, async () => suggestEmrAppointmentMapping())
        : defaultFhirMapping(recordType, opts.mapping);
    const run = await svc.create({
      target: 'oncall',
      recordType,
      source: file ? 'csv' : 'fhir',
      fileName: file ? basename(file) : opts.from!,
      mapping,
      options: runOptionsSchema.parse({
        updateExisting: Boolean(opts.update),
        moveBetweenDivisions: Boolean(opts.moveBetweenClinics),
        // The preflight below lists what exists and keeps it: no second listing at the start.
        scanExisting: false,
        dryRun: Boolean(opts.dryRun),
        ...(opts.emrIdField ? { emrIdField: opts.emrIdField } : {}),
        defaults: { ...(opts.division ? { division: opts.division } : {}), ...(opts.provider ? { provider: opts.provider } : {}) },
      }),
    });
    // A setting every row needs (division, provider) and nothing gives: stop before any row.
    const missing = svc.missingSettings(run);
    if (missing) {
      await svc.runs.delete(run.id);
      return fail(missingSettingsMessage(missing, 'cli'));
    }
    // A provider outside the division: OnCall would refuse every row, so say it once, now
    // (before any row is read or sent, with --dry-run too).
    // OnCall's providers are listed at most once: the check here and the EMR pull's e-mail
    // fallback read the same list.
    let providerList: Promise<Provider[]> | undefined;
    const providers = () => (providerList ??= ctx!.oncall().listProviders());
    const { division, provider } = run.options.defaults;
    if (division?.trim() && provider?.trim()) {
      const problem = providerDivisionProblem(await providers(), provider, division);
      if (problem) {
        await svc.runs.delete(run.id);
        return fail(problem);
      }
    }
    const staging = withRunDefaults(mapping, run.options.defaults);
    const events = file
      ? csvStagingEvents(createReadStream(file), staging)
      : fhirStagingEvents({ baseUrl: opts.from!, resource: opts.resource === 'Appointment' ? 'Appointment' : 'Patient', preferBulk: opts.bulk !== false, template: staging, defaults: run.options.defaults, providers });
    const staged = await svc.stage(run.id, events);
    out(`read ${count(staged.totalRows)} row(s): ${count(staged.totalRows - staged.invalidRows)} valid, ${count(staged.invalidRows)} with problems`);
    if (staged.invalidRows) {
      const problems = await svc.runs.problems(run.id, 0, 20);
      for (const p of problems.items) {
        for (const e of p.errors as RowProblem[]) err(`  line ${p.line}: ${problemText(recordType, e)}`);
      }
      if (problems.total > 20) err(`  ... and ${count(problems.total - 20)} more row(s) with problems (see the report)`);
    }
    if (!file && recordType === 'appointments') {
      const fb = await participantEmailFallbackRows(ctx.store.db, run.id);
      if (fb.count) out(`${count(fb.count)} appointment(s), e.g. line(s) ${fb.sample.join(', ')}: ${fb.message} (set participantEmailFallback in the mapping to change this)`);
    }

    const pre = await svc.preflight(run.id, { remember: true });
    if (pre.inAnotherDivision) {
      const lines = pre.sample.map((s) => s.line).join(', ');
      const what = pre.moveBetweenDivisions
        ? 'they will be moved into this clinic (--move-between-clinics)'
        : 'they will not be moved and nothing is created for them (--move-between-clinics moves them)';
      out(`${count(pre.inAnotherDivision)} ${recordType === 'contacts' ? 'patient(s)' : 'appointment(s)'} already exist in another clinic (e.g. line(s) ${lines}): ${what}`);
    }
    // --dry-run: what a run would do, from the same lookups and comparison as the run (the
    // preflight above just kept the platform's listing, so it is not listed again).
    const preview = opts.dryRun ? await previewOfRun(ctx, await svc.require(run.id), { scan: false }) : null;
    await svc.start(run.id);
    await ctx.startWorker();
    const final = await follow(svc, run.id, opts.progress !== false && process.stderr.isTTY === true);
    if (opts.report) await pipeline(writeReportCsv(svc.runs, await svc.require(run.id)), createWriteStream(opts.report));
    if (preview) {
      for (const line of describeChangePreview(preview)) out(line);
    }
    if (final.status === 'failed') return fail(final.error ?? 'the import failed');
    const outcome = await importOutcome(svc, final, { source: file ?? opts.from!, dryRun: Boolean(opts.dryRun), report: opts.report ?? null });
    if (!opts.dryRun) out(outcomeLine(outcome));
    if (opts.json) printJson(preview ? { ...outcome, preview } : outcome);
    return outcome.exitCode;
  } catch (e) {
    return fail((e as Error).message);
  } finally {
    await ctx?.close();
  }

  function fail(message: string): number {
    err(`ehr-bridge import: ${message}`);
    if (opts.json) printJson({ error: message, exitCode: EXIT.fatal });
    return EXIT.fatal;
  }
}

async function follow(svc: ImportService, runId: string, showBar: boolean): Promise<RunSummary> {
  const bar = showBar
    ? new cliProgress.SingleBar({ format: ' {bar} {percentage}% | {done} of {all} rows | {rate} rows/s{left} | {failed} not imported', hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  // Time left as the run page gives it (the summary's etaSeconds, eta.ts): none until it
  // means something, never "0s left" at 0 %.
  let s = await svc.summary(runId);
  const total = s.totalRows - s.invalidRows;
  const payload = (x: RunSummary) => {
    const left = x.etaSeconds === null || x.etaSeconds === 0 || isFinished(x.status) ? '' : ` | ${timeLeft(x.etaSeconds)} left`;
    return { done: count(x.done), all: count(total), rate: count(Math.round(x.ratePerSecond)), left, failed: count(x.counts.failed) };
  };
  bar?.start(total, 0, payload(s));
  while (!isFinished(s.status)) {
    await sleep(500);
    s = await svc.summary(runId);
    bar?.update(s.done, payload(s));
  }
  bar?.update(s.done, payload(s));
  bar?.stop();
  return s;
}

async function resolveMapping(
  ctx: AppContext, recordType: RecordType, given: string | undefined, out: (s: string) => void, suggest: () => Promise<MappingTemplate>,
): Promise<MappingTemplate> {
  if (given) {
    if (existsSync(given)) {
      const parsed = mappingTemplateSchema.safeParse(JSON.parse(readFileSync(given, 'utf8')));
      if (!parsed.success) throw new Error(`the mapping file is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      if (parsed.data.recordType !== recordType) throw new Error(`the mapping file is for ${parsed.data.recordType}, not ${recordType}`);
      return parsed.data;
    }
    const row = await ctx.store.db
      .selectFrom('mapping_templates')
      .select('mapping')
      .where('target', '=', 'oncall')
      .where('record_type', '=', recordType)
      .where('name', '=', given)
      .executeTakeFirst();
    if (!row) throw new Error(`no mapping file or saved template named "${given}"`);
    return mappingTemplateSchema.parse(JSON.parse(row.mapping));
  }
  const template = await suggest();
  out('no --mapping given; using the suggested mapping (column → field):');
  for (const line of describeMapping(template)) out(line);
  return template;
}

/** Patients pulled from the EMR: their FHIR fields map by themselves (validation/from-fhir.ts). */
function defaultFhirMapping(recordType: RecordType, given: string | undefined): MappingTemplate {
  if (given) throw new Error('--mapping with --from applies to --resource Appointment; Patient fields map by themselves');
  return { version: 1, recordType, fields: {} };
}

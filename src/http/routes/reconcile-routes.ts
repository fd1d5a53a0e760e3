import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ActionRefused, RECONCILE_ACTIONS } from '../../flows/reconcile/actions.js';
import { reportStream } from '../../flows/reconcile/csv-report.js';
import { attachmentHeader } from '../../flows/bulk-import/report.js';
import { FINDING_KINDS, RECONCILE_TYPES } from '../../flows/reconcile/findings.js';
import { failureWords, type ReconcileRun } from '../../flows/reconcile/runs.js';
import { emrBaseFor, reconcileRuns } from '../../flows/reconcile/service.js';
import { isPartnerError } from '../../partners/partner-error.js';
import type { AppContext } from '../../server/context.js';
import { HttpError } from '../errors.js';

const side = z.enum(['emr', 'oncall']);

const runView = z.object({
  id: z.string(),
  type: z.enum(RECONCILE_TYPES).describe('contacts (EMR patients) or appointments'),
  status: z.enum(['running', 'done', 'failed']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  progress: z.object({
    phase: z.enum(['oncall', 'emr', 'done']).describe('oncall: listing OnCall; emr: reading the EMR and comparing'),
    emr: z.number().int().describe('EMR records read so far'),
    oncall: z.number().int().describe('OnCall records read so far'),
    oncallTotal: z.number().int().optional().describe('What OnCall says its listing holds'),
  }),
  summary: z.object({ inSync: z.number().int(), missingInOncall: z.number().int(), missingInEmr: z.number().int(), different: z.number().int(), duplicated: z.number().int() }),
  summaryLine: z.string().describe('The line the CLI prints'),
  allInSync: z.boolean().nullable().describe('null while running or failed'),
  error: z.string().nullable().describe('Why the run failed, in words'),
});

const finding = z.object({
  n: z.number().int().describe('Number of the finding in the run (actions name it)'),
  kind: z.enum(FINDING_KINDS),
  emrId: z.string().nullable(),
  oncallUrl: z.string().nullable(),
  oncallUrls: z.array(z.string()).optional().describe('duplicated: every OnCall contact holding the EMR id'),
  fields: z
    .array(z.object({ field: z.string(), emr: z.string().nullable(), oncall: z.string().nullable(), owner: side.describe('The system of record for the field (EHR_BRIDGE_SYNC_OWNERS)') }))
    .optional(),
  joinedBy: z.enum(['link', 'identifier', 'emr-id']).optional(),
  possibleMatch: z.string().optional().describe('missing-in-emr: an unpaired EMR record with the same name and birth date (appointments: same start and end), to link'),
  note: z.string().optional(),
  action: z.object({ action: z.enum(RECONCILE_ACTIONS), done: z.string(), at: z.string() }).nullable(),
});

const errorBody = z.object({ error: z.string() });

function runOr404(ctx: AppContext, id: string): ReconcileRun {
  const run = reconcileRuns(ctx).get(id);
  if (!run) throw new HttpError(404, 'No such reconciliation run in this engine (runs are kept in memory: the last five)');
  return run;
}

/**
 * Reconciliation from the API (issue 9, "Reconciliation"): start a run (it goes on in this
 * process after the 202), follow it and page through its findings, and act on one finding:
 * push the owning side's values, link two records, or ignore. Each action is exactly once (the
 * effects store; a second click answers `repeated: true` and writes nothing). Admin session or
 * API key (the default access). Finding values are shown to the person, never logged.
 */
export const reconcileRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post(
    '/api/reconcile/runs',
    {
      schema: {
        tags: ['sync'],
        description: 'Starts a reconciliation of EMR patients and OnCall contacts, or of appointments. 409 when one of the type runs already; 503 when OnCall or the EMR is not configured.',
        body: z.object({ type: z.enum(RECONCILE_TYPES).default('contacts') }).strict(),
        response: { 202: z.object({ run: runView }), 409: errorBody, 503: errorBody },
      },
    },
    async (req, reply) => {
      const runs = (() => {
        try {
          ctx.oncallTarget();
          emrBaseFor(ctx);
          return reconcileRuns(ctx);
        } catch (e) {
          throw new HttpError(503, (e as Error).message);
        }
      })();
      const busy = runs.list().find((r) => r.type === req.body.type && r.status === 'running');
      if (busy) throw new HttpError(409, `A comparison of ${req.body.type} is running already: follow it with GET /api/reconcile/runs/${busy.id}`);
      const { run } = runs.start(req.body.type);
      return reply.code(202).send({ run: runs.view(run) });
    },
  );

  app.get(
    '/api/reconcile/runs',
    {
      schema: {
        tags: ['sync'],
        description: 'The runs this engine keeps (the last five), newest first.',
        response: { 200: z.object({ runs: z.array(runView) }) },
      },
    },
    async () => {
      const runs = reconcileRuns(ctx);
      return { runs: runs.list().map((r) => runs.view(r)) };
    },
  );

  app.get(
    '/api/reconcile/runs/:id',
    {
      schema: {
        tags: ['sync'],
        description: 'A run: progress, counts, and a page of its findings (all but "in sync"), optionally of one kind. `nextCursor` continues the page.',
        params: z.object({ id: z.string().max(64) }),
        querystring: z.object({
          finding: z.enum(FINDING_KINDS).optional(),
          cursor: z.coerce.number().int().min(0).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: z.object({ run: runView, findings: z.array(finding), nextCursor: z.number().int().nullable() }), 404: errorBody },
      },
    },
    async (req) => {
      const run = runOr404(ctx, req.params.id);
      const runs = reconcileRuns(ctx);
      const page = runs.page(run, { ...(req.query.finding ? { kind: req.query.finding } : {}), ...(req.query.cursor !== undefined ? { cursor: req.query.cursor } : {}), limit: req.query.limit });
      return { run: runs.view(run), findings: page.items, nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/reconcile/runs/:id/report.csv',
    {
      schema: {
        tags: ['sync'],
        description: 'The run\'s findings as the CLI\'s CSV report: finding, EMR id, OnCall URL, field, EMR value, OnCall value, owner. 409 while the run goes on.',
        params: z.object({ id: z.string().max(64) }),
      },
    },
    async (req, reply) => {
      const run = runOr404(ctx, req.params.id);
      if (run.status !== 'done') throw new HttpError(409, 'The run has not finished: its report comes when it has');
      reply.header('content-type', 'text/csv; charset=utf-8');
      reply.header('content-disposition', attachmentHeader(`reconciliation-${run.type}-${run.startedAt.slice(0, 10)}.csv`));
      return reply.send(reportStream(run.findings));
    },
  );

  app.post(
    '/api/reconcile/runs/:id/findings/:n/actions',
    {
      schema: {
        tags: ['sync'],
        description:
          'Acts on one finding, once. push: writes the owning side\'s values to the other side (a missing contact is created where it is missing). link: pairs the EMR record and the OnCall record the person names (oncallUrl for a record missing in OnCall or a duplicate, emrId for one missing in the EMR). ignore: remembered in this run. 501 when the write would go to an EMR this engine does not write to.',
        params: z.object({ id: z.string().max(64), n: z.coerce.number().int().min(1) }),
        body: z
          .object({
            action: z.enum(RECONCILE_ACTIONS),
            oncallUrl: z.string().url().max(2000).optional(),
            emrId: z.string().min(1).max(64).optional(),
          })
          .strict(),
        response: {
          200: z.object({ action: z.enum(RECONCILE_ACTIONS), done: z.string(), at: z.string(), repeated: z.boolean().describe('true: done before; nothing was written again') }),
          400: errorBody,
          404: errorBody,
          409: errorBody,
          422: errorBody,
          501: errorBody,
          502: errorBody,
        },
      },
    },
    async (req) => {
      const run = runOr404(ctx, req.params.id);
      if (run.status !== 'done') throw new HttpError(409, 'The run has not finished: act on its findings once it has');
      try {
        const { action, ...body } = req.body;
        return await reconcileRuns(ctx).act(run, req.params.n, action, body);
      } catch (e) {
        if (e instanceof ActionRefused) throw new HttpError(e.status, e.message);
        if (isPartnerError(e)) {
          // The partner refused or was unreachable: said in words (no values), nothing recorded as done.
          const status = e.kind === 'permanent' && e.status !== undefined && e.status >= 400 && e.status < 500 ? 422 : 502;
          throw new HttpError(status, failureWords(e));
        }
        throw e;
      }
    },
  );
};

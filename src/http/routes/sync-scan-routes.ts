import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  createOncallScanner,
  OncallScanChannel,
  SCAN_CHANNEL,
  SCAN_KINDS,
  ScanBusy,
  scanErrorWords,
  ScanStore,
  type OncallScanner,
  type ScanKind,
  type ScanResult,
  type ScanRun,
  type ScanTrigger,
} from '../../channels/oncall-scan/index.js';
import type { AppContext } from '../../server/context.js';
import { HttpError } from '../errors.js';

const scanRun = z.object({
  id: z.number().int(),
  kind: z.enum(SCAN_KINDS).describe('What was listed: OnCall contacts or appointments'),
  status: z.enum(['running', 'done', 'failed', 'interrupted']).describe('interrupted: stopped by an outage or a shutdown, resumed by the next scan'),
  nextPage: z.number().int().describe('The next page to read (1-based); a resumed scan starts here'),
  seen: z.number().int().describe('Records listed so far'),
  changed: z.number().int().describe('New or changed records stored as messages for the sync'),
  requests: z.number().int().describe('Page GETs made'),
  error: z.string().nullable().describe('Why it stopped, in words'),
  trigger: z.enum(['manual', 'schedule']),
  startedAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
}) satisfies z.ZodType<ScanRun>;

/** Scanners for a process whose sync setup registered no scan channel (one per context). */
const standalone = new WeakMap<AppContext, OncallScanner>();

/** Runs a scan through the process's scan channel when there is one (its status then counts it). */
function startScan(ctx: AppContext, kind: ScanKind, onStart: (run: ScanRun, resumedAt: number | null) => void): Promise<ScanResult> {
  const channel = ctx.sync().channel(SCAN_CHANNEL);
  if (channel instanceof OncallScanChannel) return channel.scan(kind, 'manual', onStart);
  let scanner = standalone.get(ctx);
  if (!scanner) {
    scanner = createOncallScanner({ db: ctx.store.db, dialect: ctx.store.dialect, client: () => ctx.oncall(), wake: () => ctx.sync().wake(), logger: ctx.logger });
    standalone.set(ctx, scanner);
  }
  return scanner.scan(kind, 'manual' satisfies ScanTrigger, undefined, onStart);
}

/**
 * OnCall scans from the API (issue 9, "Scans"): start one now, list the recent ones. A scan
 * runs in this process after the 202; `GET /api/sync/scans` follows it (its row is updated
 * after each page). Admin session or API key (the default access).
 */
export const syncScanRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post(
    '/api/sync/scans',
    {
      schema: {
        tags: ['sync'],
        description:
          'Starts a scan of OnCall contacts or appointments: every page is read, and each record new or changed since the last scan is stored as a message the sync applies to the EMR. An interrupted scan is resumed at the page it reached. 409 when a scan of the type runs already.',
        body: z.object({ type: z.enum(SCAN_KINDS).describe('contacts or appointments') }).strict(),
        response: {
          202: z.object({ run: scanRun, resumedAt: z.number().int().nullable().describe('The page a resumed run starts at; null for a new run') }),
          409: z.object({ error: z.string() }),
          503: z.object({ error: z.string() }),
        },
      },
    },
    async (req, reply) => {
      const kind = req.body.type;
      try {
        ctx.oncallTarget();
      } catch (e) {
        throw new HttpError(503, (e as Error).message);
      }
      const started = await new Promise<{ run: ScanRun; resumedAt: number | null }>((resolve, reject) => {
        startScan(ctx, kind, (run, resumedAt) => resolve({ run, resumedAt })).then(
          (r) => resolve({ run: r.run, resumedAt: r.resumedAt }),
          (e: unknown) => {
            if (!(e instanceof ScanBusy)) ctx.logger.warn({ kind, err: { name: (e as Error).name } }, 'OnCall scan from the API failed');
            // Before its run was taken (a scan that already started reports in its run row).
            reject(e instanceof ScanBusy ? new HttpError(409, `${e.message}; follow it with GET /api/sync/scans`) : new HttpError(503, `the scan could not start: ${scanErrorWords(e)}`));
          },
        );
      });
      return reply.code(202).send(started);
    },
  );

  app.get(
    '/api/sync/scans',
    {
      schema: {
        tags: ['sync'],
        description: 'Recent OnCall scans, newest first, with their progress (updated after each page) and counts.',
        querystring: z.object({
          type: z.enum(SCAN_KINDS).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(20),
        }),
        response: { 200: z.object({ runs: z.array(scanRun) }) },
      },
    },
    async (req) => ({ runs: await new ScanStore(ctx.store.db).recent({ ...(req.query.type ? { kind: req.query.type } : {}), limit: req.query.limit }) }),
  );
};

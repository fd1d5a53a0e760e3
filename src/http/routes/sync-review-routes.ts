import type { Patient } from '@medplum/fhirtypes';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { decideReview, type ReviewDecision } from '../../flows/sync/targets/emr/review-decisions.js';
import type { EmrWriter } from '../../flows/sync/targets/emr/emr-writer.js';
import { SyncReviews, type SyncReview } from '../../flows/sync/targets/emr/reviews.js';
import { LinkStore } from '../../links/link-store.js';
import type { AppContext } from '../../server/context.js';
import type { Principal } from '../auth/admin-principal.js';
import { HttpError } from '../errors.js';

const STATUSES = ['open', 'linked', 'created', 'ignored'] as const;
const DECISIONS = ['link', 'create', 'ignore'] as const;
/** A candidate's name is read live from the EMR; a slow EMR must not hold the page. */
const CANDIDATE_READ_MS = 5_000;

const candidateView = z.object({
  emrId: z.string(),
  name: z.string().nullable().describe('Read from a FHIR EMR at request time; null for an HL7 EMR or when it could not be read'),
  birthDate: z.string().nullable(),
  found: z.boolean().nullable().describe('false: the EMR no longer has this patient; null: not read (HL7 EMR, or the EMR did not answer)'),
});

const reviewView = z.object({
  id: z.number().int(),
  kind: z.string().describe('patient (an OnCall contact) or participant (an appointment participant without a contact)'),
  platformUrl: z.string().describe('The OnCall record the review is about'),
  status: z.enum(STATUSES),
  reason: z.string().describe('Why a person must decide, in words'),
  candidates: z.array(candidateView),
  messageId: z.number().int().nullable().describe('The stored message that opened the review (processed again after link or create)'),
  createdAt: z.string(),
  resolvedTo: z.string().nullable(),
  resolvedBy: z.string().nullable(),
  resolvedAt: z.string().nullable(),
});

const errorBody = z.object({ error: z.string(), fieldErrors: z.record(z.string(), z.array(z.string())).optional() });

function requester(p: Principal | undefined): string {
  if (!p) return 'unknown';
  return p.kind === 'api-key' ? `API key ${p.name}` : p.name;
}

function nameOf(p: Patient): string | null {
  const n = p.name?.find((x) => x.use === 'official') ?? p.name?.[0];
  if (!n) return null;
  const words = [...(n.given ?? []), n.family ?? ''].map((w) => w.trim()).filter(Boolean);
  return words.length ? words.join(' ') : (n.text ?? null);
}

/**
 * The candidates as a person needs them: EMR ids always; for a readable (FHIR) EMR also the name
 * and birth date, read now, returned to the admin only and never logged (common rules: no patient
 * data in logs). A failed read leaves the id alone: the decision does not depend on it.
 */
async function candidatesOf(review: SyncReview, writer: EmrWriter | undefined): Promise<z.infer<typeof candidateView>[]> {
  return Promise.all(
    review.candidates.map(async (emrId) => {
      if (!writer?.readable) return { emrId, name: null, birthDate: null, found: null };
      try {
        const p = await writer.readPatient(emrId, AbortSignal.timeout(CANDIDATE_READ_MS));
        if (!p) return { emrId, name: null, birthDate: null, found: false };
        return { emrId, name: nameOf(p), birthDate: p.birthDate ?? null, found: true };
      } catch {
        return { emrId, name: null, birthDate: null, found: null };
      }
    }),
  );
}

async function view(review: SyncReview, writer: EmrWriter | undefined): Promise<z.infer<typeof reviewView>> {
  return {
    id: review.id,
    kind: review.kind,
    platformUrl: review.platformId,
    status: review.status,
    reason: review.reason,
    candidates: await candidatesOf(review, writer),
    messageId: review.messageId,
    createdAt: review.createdAt,
    resolvedTo: review.resolvedTo,
    resolvedBy: review.resolvedBy,
    resolvedAt: review.resolvedAt,
  };
}

/**
 * Match reviews (issue 9: "an uncertain match is never merged silently: it waits for a person in
 * the reconciliation page"): list them, and decide one. link pairs the OnCall record with one of
 * the candidates; create makes a new EMR patient; ignore leaves the record out of the EMR. After
 * link or create, the message that opened the review is processed again at once. Admin session
 * or API key (the default access).
 */
export const syncReviewRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/sync/reviews',
    {
      schema: {
        tags: ['sync'],
        description: 'Possible matches waiting for a person (status=open, the default), or the decided ones, newest first.',
        querystring: z.object({ status: z.enum(STATUSES).default('open'), limit: z.coerce.number().int().min(1).max(200).default(100) }).strict(),
        response: { 200: z.object({ reviews: z.array(reviewView) }) },
      },
    },
    async (req) => {
      const reviews = await new SyncReviews(ctx.store.db).list({ status: req.query.status, limit: req.query.limit });
      const writer = ctx.sync().emrWriter();
      return { reviews: await Promise.all(reviews.map((r) => view(r, writer))) };
    },
  );

  app.post(
    '/api/sync/reviews/:id/decision',
    {
      schema: {
        tags: ['sync'],
        description:
          'Decides an open review. link: emrId must be one of its candidates. create: a new EMR patient is made when its message is processed again. ignore: nothing is written. 404: no such review; 409: decided already.',
        params: z.object({ id: z.coerce.number().int().min(1) }),
        body: z
          .object({
            decision: z.enum(DECISIONS),
            emrId: z.string().trim().min(1).max(64).optional(),
          })
          .strict(),
        response: { 200: z.object({ review: reviewView, reprocessing: z.boolean().describe('true: its message is being processed again') }), 400: errorBody, 404: errorBody, 409: errorBody },
      },
    },
    async (req) => {
      const reviews = new SyncReviews(ctx.store.db);
      const review = await reviews.get(req.params.id);
      if (!review) throw new HttpError(404, 'No such review');
      if (review.status !== 'open') throw new HttpError(409, `This review was decided already (${review.status})`);
      const { decision, emrId } = req.body;
      if (decision === 'link' && !emrId) throw new HttpError(400, 'Linking needs the EMR patient to link to', { emrId: ['required for link'] });
      if (decision !== 'link' && emrId) throw new HttpError(400, 'An EMR patient is named only to link', { emrId: [`not allowed with ${decision}`] });
      if (decision === 'link' && !review.candidates.includes(emrId!)) {
        throw new HttpError(400, 'That EMR patient is not one of the review\'s candidates', { emrId: ['not one of the candidates'] });
      }
      const d: ReviewDecision = decision === 'link' ? { action: 'link', emrPatientId: emrId! } : { action: decision };
      const r = await decideReview(ctx.store.db, new LinkStore(ctx.store.db), review.id, d, requester(req.principal));
      if (!r.ok) {
        if (r.reason === 'not found') throw new HttpError(404, 'No such review');
        throw new HttpError(409, 'This review was decided already');
      }
      if (r.requeued) ctx.sync().wake();
      return { review: await view(r.review, ctx.sync().emrWriter()), reprocessing: r.requeued };
    },
  );
};

import { ErrorBag, MSG } from './drf-errors.js';
import { parseFaultUpdate } from './faults.js';
import { checkBoolean, checkChoice, checkInteger, checkRelation, checkText, isInvalid, isPlainObject } from './field-checks.js';
import { parseIdParam, resourceUrl } from './resource-urls.js';
import { bodyOf, NOT_FOUND, ok, type ApiResult, type RouteKit } from './route-kit.js';
import type { SandboxContext } from './sandbox-context.js';
import { seedContacts, seedDirectory } from './seed.js';
import { CUSTOM_FIELD_KINDS, type CustomField } from './store.js';

/**
 * Emulator-only endpoints under `/_admin/` (no auth of their own, no faults; mounted in the
 * engine they are 'sandbox-admin' routes, see ../mount.ts): fault switches, reset, seed,
 * counters, webhook target (loopback or allow-listed only), and roster custom field definitions (which the real service manages
 * in its web app, not its API).
 */

const MAX_SEED_CONTACTS = 100_000;

function invalidBody(): ApiResult {
  return ok({ non_field_errors: [MSG.invalidBody] }, 400);
}

function renderField(f: CustomField, base: string) {
  return { id: f.id, division: resourceUrl(base, 'divisions', f.divisionId), label: f.label, kind: f.kind, active: f.active };
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export function registerAdminRoutes(kit: RouteKit, ctx: SandboxContext): void {
  kit.add('/_admin/faults/', {
    GET: () => ok(ctx.faults.settings),
    POST: (request) => {
      const parsed = parseFaultUpdate(bodyOf(request));
      if (!parsed.ok) return ok(parsed.errors, 400);
      ctx.faults.update(parsed.value);
      return ok(ctx.faults.settings);
    },
  });

  kit.add('/_admin/reset/', {
    POST: async () => {
      await ctx.reset();
      return ok({ reset: true });
    },
  });

  kit.add('/_admin/seed/', {
    POST: (request) => {
      const body = bodyOf(request);
      if (!isPlainObject(body)) return invalidBody();
      let contacts = 0;
      if (body.contacts !== undefined) {
        const v = checkInteger(body.contacts, 0, MAX_SEED_CONTACTS);
        if (isInvalid(v)) return ok({ contacts: [v.message] }, 400);
        contacts = v;
      }
      seedDirectory(ctx.store);
      seedContacts(ctx.store, contacts);
      const s = ctx.store;
      return ok({ divisions: s.divisions.size, providers: s.providers.size, customFields: s.customFields.size, contacts: s.contacts.size });
    },
  });

  kit.add('/_admin/stats/', {
    GET: () => {
      const { stats, store } = ctx;
      return ok({
        requests: { total: stats.requests, byMethod: stats.requestsByMethod },
        contacts: store.contacts.size,
        appointments: store.appointments.size,
        participants: store.participants.size,
        throttled: stats.throttled,
        injectedErrors: stats.injectedErrors,
        injectedTimeouts: stats.injectedTimeouts,
        webhooks: {
          attempts: stats.webhookAttempts,
          delivered: stats.webhooksDelivered,
          failed: stats.webhooksFailed,
          pending: ctx.webhooks.pending,
        },
      });
    },
  });

  kit.add('/_admin/webhooks/', {
    GET: () => ok({ url: ctx.webhooks.config.url, secretSet: Boolean(ctx.webhooks.config.secret), recent: ctx.webhooks.recent }),
    POST: async (request) => {
      const body = bodyOf(request);
      if (!isPlainObject(body)) return invalidBody();
      const bag = new ErrorBag();
      const next = { ...ctx.webhooks.config };
      if (body.url !== undefined) {
        if (body.url === null || body.url === '') next.url = null;
        else if (typeof body.url === 'string' && isHttpUrl(body.url)) {
          // Only loopback or allow-listed targets: the sandbox must not be a request-forgery relay.
          const target = await ctx.settings.webhookTargets.check(body.url);
          if (target.ok) next.url = body.url;
          else bag.add('url', target.message);
        } else bag.add('url', 'Enter a valid URL.');
      }
      if (body.secret !== undefined) {
        if (body.secret === null || body.secret === '') next.secret = null;
        else if (typeof body.secret === 'string') next.secret = body.secret;
        else bag.add('secret', MSG.string);
      }
      if (!bag.ok) return ok(bag.errors, 400);
      ctx.webhooks.config = next;
      return ok({ url: next.url, secretSet: Boolean(next.secret) });
    },
  });

  kit.add('/_admin/custom-fields/', {
    GET: (_request, base) => ok([...ctx.store.customFields.values()].sort((a, b) => a.id - b.id).map((f) => renderField(f, base))),
    POST: (request, base) => {
      const body = bodyOf(request);
      if (!isPlainObject(body)) return invalidBody();
      const store = ctx.store;
      const bag = new ErrorBag();
      let divisionId: number | undefined;
      let label: string | undefined;
      let kind: CustomField['kind'] | undefined;
      if (body.division === undefined) bag.add('division', MSG.required);
      else {
        const v = checkRelation(body.division, 'divisions', (id) => store.divisions.has(id));
        if (isInvalid(v)) bag.add('division', v.message);
        else divisionId = v;
      }
      if (body.label === undefined) bag.add('label', MSG.required);
      else {
        const v = checkText(body.label, { max: 100 });
        if (isInvalid(v)) bag.add('label', v.message);
        else if (v !== null) label = v;
      }
      if (body.kind === undefined) bag.add('kind', MSG.required);
      else {
        const v = checkChoice(body.kind, CUSTOM_FIELD_KINDS);
        if (isInvalid(v)) bag.add('kind', v.message);
        else kind = v;
      }
      if (!bag.ok || divisionId === undefined || label === undefined || kind === undefined) return ok(bag.errors, 400);
      const field: CustomField = { id: store.nextCustomFieldId(), divisionId, label, kind, active: true };
      store.addCustomField(field);
      return ok(renderField(field, base), 201);
    },
  });

  kit.add('/_admin/custom-fields/:id/', {
    PATCH: (request, base) => {
      const id = parseIdParam((request.params as { id?: string }).id);
      const field = id === undefined ? undefined : ctx.store.customFields.get(id);
      if (!field) return NOT_FOUND;
      const body = bodyOf(request);
      if (!isPlainObject(body)) return invalidBody();
      const bag = new ErrorBag();
      const label = body.label === undefined ? undefined : checkText(body.label, { max: 100 });
      if (isInvalid(label)) bag.add('label', label.message);
      const active = body.active === undefined ? undefined : checkBoolean(body.active);
      if (isInvalid(active)) bag.add('active', active.message);
      if (!bag.ok) return ok(bag.errors, 400);
      if (typeof label === 'string') field.label = label;
      if (typeof active === 'boolean') field.active = active;
      return ok(renderField(field, base));
    },
  });
}

import { parseContactCreate, parseContactPatch } from './contact-input.js';
import { DETAIL } from './drf-errors.js';
import { paginate, queryValue } from './pagination.js';
import { renderAppointment, renderContact } from './render.js';
import { parseIdParam } from './resource-urls.js';
import { bodyOf, NOT_FOUND, ok, type ApiResult, type RouteKit } from './route-kit.js';
import type { SandboxContext } from './sandbox-context.js';
import type { Contact } from './store.js';

/**
 * Roster contacts (oncall-patient-sync-guide.txt; partner-apis.md "Roster contact"):
 * create, read, partial update, list with exact filters, and the contact's appointments.
 * There are no webhooks for contacts: clients find new ones by listing.
 */

const INVALID_PAGE: ApiResult = { status: 404, body: { detail: DETAIL.invalidPage } };

function contactOf(ctx: SandboxContext, params: unknown): Contact | undefined {
  const id = parseIdParam((params as { id?: string }).id);
  return id === undefined ? undefined : ctx.store.contacts.get(id);
}

export function registerContactRoutes(kit: RouteKit, ctx: SandboxContext): void {
  kit.add('/contacts/', {
    GET: (request, base) => {
      const store = ctx.store;
      // django-filter skips a filter whose value is empty: `?email=` lists everything.
      const filter = {
        name: queryValue(request, 'name') || undefined,
        email: queryValue(request, 'email') || undefined,
        phone: queryValue(request, 'phone') || undefined,
      };
      const page = paginate(request, store.findContacts(filter), (c) => renderContact(c, base, store));
      return page ? ok(page) : INVALID_PAGE;
    },
    POST: (request, base) => {
      const store = ctx.store;
      const parsed = parseContactCreate(bodyOf(request), store);
      if (!parsed.ok) return ok(parsed.errors, 400);
      return ok(renderContact(store.insertContact(parsed.value), base, store), 201);
    },
  });

  kit.add('/contacts/:id/', {
    GET: (request, base) => {
      const contact = contactOf(ctx, request.params);
      return contact ? ok(renderContact(contact, base, ctx.store)) : NOT_FOUND;
    },
    PATCH: (request, base) => {
      const store = ctx.store;
      const contact = contactOf(ctx, request.params);
      if (!contact) return NOT_FOUND;
      const parsed = parseContactPatch(bodyOf(request), contact, store);
      if (!parsed.ok) return ok(parsed.errors, 400);
      store.updateContact(contact, parsed.value);
      return ok(renderContact(contact, base, store));
    },
  });

  kit.add('/contacts/:id/appointments/', {
    GET: (request, base) => {
      const store = ctx.store;
      const contact = contactOf(ctx, request.params);
      if (!contact) return NOT_FOUND;
      const now = Date.now();
      const page = paginate(request, store.appointmentsForEmail(contact.email), (a) => renderAppointment(a, base, store, now));
      return page ? ok(page) : INVALID_PAGE;
    },
  });
}

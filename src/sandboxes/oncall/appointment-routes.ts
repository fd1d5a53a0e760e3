import { parseAppointmentCreate, parseAppointmentPatch, parseParticipantPatch } from './appointment-input.js';
import { DETAIL } from './drf-errors.js';
import { paginate } from './pagination.js';
import { renderAppointment, renderParticipant } from './render.js';
import { parseIdParam, resourceUrl } from './resource-urls.js';
import { bodyOf, NOT_FOUND, ok, type RouteKit } from './route-kit.js';
import type { SandboxContext } from './sandbox-context.js';

/**
 * Appointments and their participants (partner-apis.md "Appointment", "Participant"). Every
 * create fires `appointment_created`; every appointment or participant PATCH fires
 * `appointment_updated` (oncall-patient-sync-guide.txt, webhooks). Participants have no list
 * or query endpoint: the guide says they cannot be queried directly.
 */

function idOf(params: unknown): number | undefined {
  return parseIdParam((params as { id?: string }).id);
}

export function registerAppointmentRoutes(kit: RouteKit, ctx: SandboxContext): void {
  kit.add('/appointments/', {
    GET: (request, base) => {
      const store = ctx.store;
      const now = Date.now();
      const page = paginate(request, store.appointmentList, (a) => renderAppointment(a, base, store, now));
      return page ? ok(page) : { status: 404, body: { detail: DETAIL.invalidPage } };
    },
    POST: (request, base) => {
      const store = ctx.store;
      const parsed = parseAppointmentCreate(bodyOf(request), store);
      if (!parsed.ok) return ok(parsed.errors, 400);
      const appointment = store.insertAppointment(parsed.value.fields, parsed.value.participants);
      ctx.webhooks.emit('appointment_created', resourceUrl(base, 'appointments', appointment.id));
      return ok(renderAppointment(appointment, base, store), 201);
    },
  });

  kit.add('/appointments/:id/', {
    GET: (request, base) => {
      const id = idOf(request.params);
      const appointment = id === undefined ? undefined : ctx.store.appointments.get(id);
      return appointment ? ok(renderAppointment(appointment, base, ctx.store)) : NOT_FOUND;
    },
    PATCH: (request, base) => {
      const store = ctx.store;
      const id = idOf(request.params);
      const appointment = id === undefined ? undefined : store.appointments.get(id);
      if (!appointment) return NOT_FOUND;
      const parsed = parseAppointmentPatch(bodyOf(request), appointment, store);
      if (!parsed.ok) return ok(parsed.errors, 400);
      store.updateAppointment(appointment, parsed.value);
      ctx.webhooks.emit('appointment_updated', resourceUrl(base, 'appointments', appointment.id));
      return ok(renderAppointment(appointment, base, store));
    },
  });

  kit.add('/participants/:id/', {
    GET: (request, base) => {
      const id = idOf(request.params);
      const participant = id === undefined ? undefined : ctx.store.participants.get(id);
      return participant ? ok(renderParticipant(participant, base)) : NOT_FOUND;
    },
    PATCH: (request, base) => {
      const store = ctx.store;
      const id = idOf(request.params);
      const participant = id === undefined ? undefined : store.participants.get(id);
      if (!participant) return NOT_FOUND;
      const parsed = parseParticipantPatch(bodyOf(request), participant);
      if (!parsed.ok) return ok(parsed.errors, 400);
      store.updateParticipant(participant, parsed.value);
      ctx.webhooks.emit('appointment_updated', resourceUrl(base, 'appointments', participant.appointmentId));
      return ok(renderParticipant(participant, base));
    },
  });
}

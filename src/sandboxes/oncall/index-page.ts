import type { FastifyInstance, LogLevel } from 'fastify';
import { sendSandboxIndex, type SandboxIndex } from '../index-page.js';

/** What `GET <prefix>/` says about the OnCall Health sandbox (the banner's link). */
export const ONCALL_SANDBOX_INDEX: SandboxIndex = {
  name: 'OnCall Health sandbox',
  description:
    "An in-memory emulator of OnCall Health's REST API (roster contacts, appointments, participants, providers, clinics), so imports run end to end without a real OnCall account. Its data is lost when the engine stops.",
  auth: 'API calls need the header "Authorization: Token <key>", with the sandbox key that npm start prints. The admin switches need no key (on a loopback-only engine; behind the engine login otherwise).',
  endpoints: [
    { method: 'GET', path: 'divisions/', what: 'Clinics (divisions), paged' },
    { method: 'GET', path: 'providers/', what: 'Providers, paged' },
    { method: 'GET, POST', path: 'contacts/', what: 'Roster contacts: list (filters, paging) and create' },
    { method: 'GET, PATCH, DELETE', path: 'contacts/{id}/', what: 'One contact' },
    { method: 'GET', path: 'contacts/{id}/appointments/', what: "A contact's appointments" },
    { method: 'GET, POST', path: 'appointments/', what: 'Appointments with their participants: list and create' },
    { method: 'GET, PATCH, DELETE', path: 'appointments/{id}/', what: 'One appointment' },
    { method: 'GET, PATCH', path: 'participants/{id}/', what: 'One participant of an appointment' },
  ],
  admin: [
    { method: 'GET, POST', path: '_admin/faults/', what: 'Read or set faults: {"latencyMs", "errorRate", "timeoutRate", "rateLimitPerSecond"}' },
    { method: 'POST', path: '_admin/reset/', what: 'Back to the seeded state (clinics, providers, custom fields; no contacts)' },
    { method: 'POST', path: '_admin/seed/', what: 'Add generated contacts: {"contacts": N}' },
    { method: 'GET', path: '_admin/stats/', what: 'Counters: requests by method, contacts, appointments, injected faults' },
    { method: 'GET, POST', path: '_admin/webhooks/', what: 'The webhook target (loopback or allow-listed hosts only)' },
    { method: 'GET, POST', path: '_admin/custom-fields/', what: 'Roster custom fields (the EMR id lands in one)' },
  ],
  notes: ['Paths end with a slash, as on OnCall; the same path without it answers too.'],
};

/** `GET <prefix>/` only (not the bare prefix, which stays the sandbox's own 404). */
export function registerOncallIndexRoute(scope: FastifyInstance, prefix: string, logLevel: LogLevel): void {
  scope.route({
    method: 'GET',
    url: '/',
    prefixTrailingSlash: 'slash',
    logLevel,
    handler: (request, reply) => sendSandboxIndex(request, reply, prefix, ONCALL_SANDBOX_INDEX),
  });
}

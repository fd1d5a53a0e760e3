import type { FastifyInstance } from 'fastify';
import { sendSandboxIndex, type SandboxIndex } from '../index-page.js';

/** What `GET <prefix>/` says about the FHIR R4 EMR sandbox (the banner's link). See README.md beside this file. */
export function fhirEmrSandboxIndex(opts: { bulkExport: boolean; bearerAuth: boolean }): SandboxIndex {
  return {
    name: 'FHIR R4 EMR sandbox',
    description:
      'A synthetic EMR speaking FHIR R4 JSON, seeded with Synthea patients, practitioners, encounters and appointments (the same on every start), so the engine can pull patients and appointments and send documents about them.',
    auth: opts.bearerAuth
      ? 'Calls need "Authorization: Bearer <token>" (the sandbox was started with one), except GET metadata.'
      : 'Reads and searches need no credentials. Writes and the admin switches are open on a loopback-only engine, behind the engine login otherwise.',
    endpoints: [
      { method: 'GET', path: 'metadata', what: 'The CapabilityStatement: types, interactions and search parameters' },
      { method: 'GET', path: 'Patient', what: 'Search patients (family, given, birthdate, identifier, email...), Bundle searchset' },
      { method: 'GET', path: 'Patient/{id}', what: 'Read one patient' },
      { method: 'GET', path: 'Appointment', what: 'Search appointments (patient, practitioner, status, date...)' },
      { method: 'GET', path: 'Encounter', what: 'Search encounters (patient, date, status...)' },
      { method: 'GET', path: 'Practitioner', what: 'Search practitioners' },
      { method: 'POST', path: '{type}/_search', what: 'The same searches with a form body' },
      { method: 'POST, PUT, DELETE', path: 'Patient, Appointment, {type}/{id}', what: 'Create, update or delete a patient or an appointment (an admin write; each write is a new version)' },
      { method: 'GET', path: '{type}/{id}/_history', what: 'Every version of a resource, deletes included' },
      { method: 'POST', path: 'Subscription', what: 'A rest-hook Subscription on Patient or Appointment (an admin write): each change is POSTed to its endpoint' },
      ...(opts.bulkExport
        ? [{ method: 'GET', path: '$export, Patient/$export', what: 'Bulk Data export (header Prefer: respond-async), then poll the status URL' }]
        : []),
    ],
    admin: [
      { method: 'POST', path: '_admin/reset', what: 'Back to the seeded data' },
      { method: 'GET', path: '_admin/stats', what: 'Request counters by interaction, type and status; resource counts' },
    ],
  };
}

/** `GET <prefix>/` only (not the bare prefix: that stays the FHIR base, a 404 for GET). */
export function registerFhirEmrIndexRoute(app: FastifyInstance, prefix: string, opts: { bulkExport: boolean; bearerAuth: boolean }): void {
  const index = fhirEmrSandboxIndex(opts);
  app.route({
    method: 'GET',
    url: '/',
    prefixTrailingSlash: 'slash',
    handler: (request, reply) => sendSandboxIndex(request, reply, prefix, index),
  });
}

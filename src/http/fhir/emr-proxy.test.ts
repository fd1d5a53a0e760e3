import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirEmrSandbox } from '../../sandboxes/fhir-emr/plugin.js';
import { makePdf, parameters, startEngine, type EngineHarness } from '../../flows/send-to-ehr/test-helpers/engine-harness.js';

/** Any FHIR R4 server as the EMR (EHR_BRIDGE_EMR_FHIR_URL + bearer token), here a FHIR EMR sandbox on its own port. */
describe('FHIR API with an external EMR', () => {
  let emr: FastifyInstance;
  let emrUrl: string;
  let h: EngineHarness;
  let wrong: EngineHarness;

  beforeAll(async () => {
    emr = Fastify();
    await emr.register(fhirEmrSandbox, { prefix: '/r4', bearerToken: 'emr-secret', bulkExport: false });
    emrUrl = `${await emr.listen({ port: 0, host: '127.0.0.1' })}/r4`;
    h = await startEngine('sqlite', { emr: { fhirUrl: emrUrl, bearerToken: 'emr-secret' } });
    wrong = await startEngine('sqlite', { emr: { fhirUrl: emrUrl, bearerToken: 'not-it' } });
  });
  afterAll(async () => {
    await h.close();
    await wrong.close();
    await emr.close();
  });

  it('searches, reads and sends against the configured EMR with its token, links under our base', async () => {
    const { patient, encounter } = await h.patientWithEncounter();
    const search = await h.fhirCall(`/Patient?_id=${patient.id}`);
    expect(search.status).toBe(200);
    expect(search.body.entry[0].fullUrl).toBe(`${h.fhir}/Patient/${patient.id}`);
    expect(JSON.stringify(search.body)).not.toContain(emrUrl);
    const sent = await h.sendToEhr(parameters({ patientId: patient.id!, encounterId: encounter.id!, payload: await makePdf('external emr') }));
    expect(sent.status).toBe(200);
    await h.waitForStatus(sent.body.parameter[0].valueString, ['completed']);
  });

  it('answers 502 when the EMR refuses the engine\'s credentials, 503 on send', async () => {
    const r = await wrong.fhirCall('/Patient?family=Smith');
    expect(r.status).toBe(502);
    expect(r.body.resourceType).toBe('OperationOutcome');
    const sent = await wrong.sendToEhr(parameters({ patientId: 'p1', payload: await makePdf('x') }));
    expect(sent.status).toBe(503);
    expect(sent.body.issue[0].code).toBe('transient');
  });
});

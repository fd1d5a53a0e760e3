import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSignedInServer, type SignedInServer } from '../../test/helpers/signed-in-server.js';
import { fhirApiLine, oncallTargetLine, sandboxBannerLines } from './banner.js';

/**
 * Every sandbox link the `npm start` banner prints answers 200 (the OnCall and FHIR EMR links
 * were 404s): the sandboxes' own addresses say what each one is, its endpoints and its admin
 * switches, as a page for a browser and as JSON otherwise.
 */
describe('sandbox links of the start banner', () => {
  let api: SignedInServer;
  beforeAll(async () => {
    api = await startSignedInServer('ehrb-banner-');
  });
  afterAll(() => api?.close());

  const bannerUrls = () => sandboxBannerLines(api.server).flatMap((l) => l.match(/https?:\/\/\S+/g) ?? []);

  it('prints the three sandbox links, and each answers 200 with no credentials', async () => {
    const urls = bannerUrls();
    expect(urls.map((u) => new URL(u).pathname)).toEqual(['/sandbox/oncall/', '/sandbox/fhir-emr/', '/sandbox/ehr/_admin/received']);
    for (const url of urls) expect((await fetch(url)).status, url).toBe(200);
  });

  it('prints the FHIR API as its CapabilityStatement and the sandbox OnCall target with its slash; both answer 200', async () => {
    const fhir = fhirApiLine(api.server).match(/https?:\/\/\S+/)![0];
    const oncall = oncallTargetLine(api.server).match(/https?:\/\/\S+/)![0];
    expect(new URL(fhir).pathname).toBe('/fhir/metadata');
    expect(new URL(oncall).pathname).toBe('/sandbox/oncall/');
    for (const url of [fhir, oncall]) expect((await fetch(url)).status, url).toBe(200);
  });

  it.each([
    { path: '/sandbox/oncall/', name: 'OnCall Health sandbox', endpoint: 'contacts/', admin: '_admin/faults/' },
    { path: '/sandbox/fhir-emr/', name: 'FHIR R4 EMR sandbox', endpoint: 'metadata', admin: '_admin/reset' },
  ])('$path says what the sandbox is, its endpoints and its admin switches', async ({ path, name, endpoint, admin }) => {
    const url = `${api.server.url}${path}`;
    const asJson = await fetch(url, { headers: { accept: 'application/json' } });
    expect(asJson.status).toBe(200);
    const body = (await asJson.json()) as { name: string; description: string; baseUrl: string; endpoints: { path: string }[]; admin: { path: string }[] };
    expect(body.name).toBe(name);
    expect(body.baseUrl).toBe(url);
    expect(body.endpoints.map((e) => e.path)).toContain(endpoint);
    expect(body.admin.map((e) => e.path)).toContain(admin);

    const asPage = await fetch(url, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(asPage.status).toBe(200);
    expect(asPage.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await asPage.text();
    expect(html).toContain(`<h1>${name}</h1>`);
    expect(html).toContain(`<a href="${url}${endpoint}">`);
    // Served under the engine's policy like every response: no script may run on it.
    expect(asPage.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    // The sandbox key is not on an open page.
    expect(html).not.toContain('oncall-sandbox-key');
  });
});

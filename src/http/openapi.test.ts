import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSignedInServer, type SignedInServer } from '../../test/helpers/signed-in-server.js';
import { API_TAGS, isDocumentedUrl } from './openapi.js';

/**
 * /docs describes the engine's API only (issue 7): read from the OpenAPI JSON of a real engine
 * with its sandboxes mounted, as `npm start` runs it.
 */
describe('OpenAPI document at /docs', () => {
  let api: SignedInServer;
  let doc: { info: { title: string; version: string; description: string }; tags: { name: string; description?: string }[]; paths: Record<string, Record<string, { tags?: string[] }>> };
  beforeAll(async () => {
    api = await startSignedInServer('ehrb-openapi-');
    const res = await api.call('/docs/json', {}, false);
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(() => api?.close());

  it("names the product and its version, and is served to anyone as a page and as JSON", async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
    expect(doc.info.title).toBe(`${pkg.name} API`);
    expect(doc.info.version).toBe(pkg.version);
    expect(doc.info.description.length).toBeGreaterThan(20);
    const page = await api.call('/docs/', {}, false);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('lists no sandbox route, and each route once (no trailing-slash twin)', () => {
    const paths = Object.keys(doc.paths);
    expect(paths.length).toBeGreaterThan(30);
    expect(paths.filter((p) => p.startsWith('/sandbox'))).toEqual([]);
    expect(paths.filter((p) => p !== '/' && p.endsWith('/'))).toEqual([]);
    // Still there: the engine's own API, its FHIR API and its token endpoint.
    for (const p of ['/api/imports', '/api/api-keys', '/api/documents', '/fhir/CommunicationRequest/$send-to-ehr', '/oauth/token']) expect(paths).toContain(p);
    // Sandbox URLs and trailing-slash twins are what the filter leaves out.
    expect(['/sandbox/oncall/contacts/', '/sandbox', '/api/imports/'].map(isDocumentedUrl)).toEqual([false, false, false]);
    expect(['/', '/api/imports', '/fhir/Patient/{id}'].map(isDocumentedUrl)).toEqual([true, true, true]);
  });

  it('describes every tag in one line, and every operation carries one of them', () => {
    const described = new Map(doc.tags.map((t) => [t.name, t.description ?? '']));
    for (const t of API_TAGS) expect(described.get(t.name), t.name).toBe(t.description);
    for (const d of described.values()) {
      expect(d.length).toBeGreaterThan(10);
      expect(d).not.toContain('\n');
    }
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.tags?.length, `${method} ${path} has a tag`).toBeGreaterThan(0);
        for (const tag of op.tags ?? []) expect(described.has(tag), `${method} ${path}: tag "${tag}" is described`).toBe(true);
      }
    }
  });
});

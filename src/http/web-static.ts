import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { tagRoutes } from './access/route-access.js';

/**
 * Where `npm run build:web` writes the UI bundle: `dist/web` at the repository root, found by
 * walking up from this module (it runs from `src/http` under tsx and from
 * `dist/server/src/http` once compiled).
 */
export const WEB_DIST = join(repoRoot(dirname(fileURLToPath(import.meta.url))), 'dist/web');

function repoRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) || existsSync(join(dir, 'src', 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return from;
    dir = up;
  }
  return dir;
}

/**
 * Serves the built React UI at `/`, with a fallback to index.html for the UI's own routes
 * (`/imports/123`), while API, sandbox and docs paths keep their JSON 404s. The not-found
 * handler is reached without authentication (nothing matched), so it serves only the static
 * index.html or a fixed error, never data.
 */
export async function serveWebUi(app: FastifyInstance): Promise<boolean> {
  if (!existsSync(join(WEB_DIST, 'index.html'))) return false;
  // The UI's files are public (the data comes from /api, behind the login). Tagged by an
  // onRoute hook inside an encapsulating plugin, since @fastify/static declares the routes.
  await app.register(async (scope) => {
    tagRoutes(scope, 'public');
    await scope.register(fastifyStatic, { root: WEB_DIST, prefix: '/', wildcard: false, index: ['index.html'] });
  });
  app.setNotFoundHandler(async (req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    const apiLike = /^\/(api|sandbox|docs|fhir|oauth|metrics|healthz)(\/|$)/.test(path);
    if (req.method === 'GET' && !apiLike && !/\.[a-z0-9]+$/i.test(path)) {
      // Read per request (small), so a UI rebuilt while the engine runs is served as it is now.
      return reply.type('text/html; charset=utf-8').send(await readFile(join(WEB_DIST, 'index.html')));
    }
    return reply.status(404).send({ error: 'not found' });
  });
  return true;
}

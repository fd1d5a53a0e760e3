#!/usr/bin/env node
// Compiles the server sources to plain JavaScript in dist/server (esbuild, file by file, no
// bundling), so `npm start` runs without the TypeScript loader: faster start-up and ~60 MB less
// memory per process. Type checking stays with `npm run typecheck` / `npm test`.
import { build } from 'esbuild';
import { cpSync, rmSync } from 'node:fs';

rmSync('dist/server', { recursive: true, force: true });
await build({
  entryPoints: ['src/**/*.ts'],
  outdir: 'dist/server',
  outbase: '.',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});
// Data files read next to their module at run time.
cpSync('src/sandboxes/fhir-emr/seed-data', 'dist/server/src/sandboxes/fhir-emr/seed-data', { recursive: true });

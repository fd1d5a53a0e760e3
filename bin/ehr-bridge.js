#!/usr/bin/env node
// Runs the compiled CLI (dist/server, `npm run build:server`) when it was built from the current
// sources: it starts in a fraction of a second. Otherwise (a fresh clone, a source edited since
// the last build) it runs the TypeScript sources through tsx, so it is always current, only
// slower to start (about 3 s). EHR_BRIDGE_RUN_SOURCES=1 forces the sources.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshCompiledMain } from './compiled.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = process.env.EHR_BRIDGE_RUN_SOURCES === '1' ? undefined : freshCompiledMain(root);
if (compiled) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}

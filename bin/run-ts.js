#!/usr/bin/env node
// Runs any TypeScript entry point (benchmarks, scripts) through tsx: `node bin/run-ts.js file.ts`.
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

register();
const [, , entry, ...rest] = process.argv;
if (!entry) {
  console.error('usage: run-ts.js <file.ts> [args...]');
  process.exit(1);
}
process.argv = [process.argv[0] ?? 'node', resolve(entry), ...rest];
await import(pathToFileURL(resolve(entry)).href);

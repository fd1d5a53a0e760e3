#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx's ESM loader, so a fresh clone needs no
// separate compile step before `npm start` or the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');

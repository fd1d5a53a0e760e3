// Which code `bin/ehr-bridge.js` runs: the compiled CLI in dist/server when it is there and
// built from the sources as they are now, else the TypeScript sources through tsx. Plain
// JavaScript with node: imports only, so the check itself costs a few milliseconds.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Written by bin/build-server.js; its mtime is the moment that build started reading sources. */
export const BUILD_STAMP = 'dist/server/.build-stamp';
export const COMPILED_MAIN = 'dist/server/src/cli/main.js';

/**
 * The server's sources: every file under src/ except the browser UI (src/web, built by vite)
 * and the tests. `.ts` files are compiled, the other files (seed data) are copied.
 */
export function serverSources(root) {
  const files = [];
  const walk = (rel) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (path !== 'src/web' && path !== 'src/cli/test-helpers') walk(path);
      } else if (!e.name.endsWith('.test.ts')) {
        files.push(path);
      }
    }
  };
  walk('src');
  return files;
}

/** The newest modification time among the server's sources (ms since the epoch). */
export function newestSourceMtimeMs(root) {
  let newest = 0;
  for (const f of serverSources(root)) newest = Math.max(newest, statSync(join(root, f)).mtimeMs);
  return newest;
}

/**
 * The compiled CLI's path when dist/server was built from the current sources; undefined when
 * it is missing or any source changed since (then the sources run through tsx, always current).
 */
export function freshCompiledMain(root) {
  const main = join(root, COMPILED_MAIN);
  const stamp = join(root, BUILD_STAMP);
  if (!existsSync(main) || !existsSync(stamp)) return undefined;
  return statSync(stamp).mtimeMs >= newestSourceMtimeMs(root) ? main : undefined;
}

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The engine serves dist/web at `/` with an SPA fallback, so the app is built from this folder
// into the repository's dist/web and uses absolute asset URLs (deep links like /imports/42
// must still find /assets/...).
const webRoot = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../../dist/web', import.meta.url));

export default defineConfig({
  root: webRoot,
  base: '/',
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
  worker: {
    format: 'es',
  },
  server: {
    // `npx vite --config src/web/vite.config.ts` during development: the engine runs on 8080.
    proxy: {
      '/api': process.env.EHR_BRIDGE_URL ?? 'http://127.0.0.1:8080',
      '/sandbox': process.env.EHR_BRIDGE_URL ?? 'http://127.0.0.1:8080',
    },
  },
});

import { defineConfig } from 'vitest/config';

// Tests talk to real SQLite/PostgreSQL, real sockets and a real browser, so they are slower
// than pure unit tests and share one PostgreSQL server: keep parallelism modest (2 cores).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test/helpers/processes.js';

/**
 * Issue 6, item 3: the server's last-resort handlers. A rejection nobody handled is logged
 * and the process keeps serving; an uncaught exception is logged and the process exits 1 (not
 * Node's stack dump), for the supervisor to restart it.
 */
function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`${REPO_ROOT}bin/run-ts.js`, `${REPO_ROOT}src/cli/test-helpers/guarded-process.ts`, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('process guards of the server', () => {
  it('logs an unhandled rejection and keeps running', async () => {
    const { code, out } = await run([]);
    expect(out).toContain('unhandled promise rejection (the server keeps running)');
    expect(out).toContain('SQLITE_BUSY');
    expect(out).toContain('still serving');
    expect(code).toBe(0);
  });

  it('logs an uncaught exception and exits with code 1', async () => {
    const { code, out } = await run(['--throw']);
    expect(out).toContain('still serving');
    expect(out).toMatch(/"level":60.*uncaught exception: exiting with code 1/);
    expect(out).toContain('broken state');
    expect(code).toBe(1);
  });
});

import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keepPasswordFile } from './password-file.js';

/**
 * The generated admin password's file (found by a new-user trial): in a folder other users can
 * write to, or over a file another user planted, the password must not be written where they
 * can read it.
 */
describe('keeping the generated admin password in a file', () => {
  const root = mkdtempSync(join(tmpdir(), 'ehrb-pwfile-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates the file 0600 in a folder of its own', () => {
    const file = join(root, 'own', 'admin-password.txt');
    expect(keepPasswordFile(file, 'secret-1')).toBeUndefined();
    expect(readFileSync(file, 'utf8')).toBe('secret-1\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('replaces its own earlier file, world-readable or not, with a fresh 0600 one', () => {
    const dir = join(root, 'again');
    mkdirSync(dir, { mode: 0o700 });
    const file = join(dir, 'admin-password.txt');
    writeFileSync(file, 'old\n', { mode: 0o666 });
    chmodSync(file, 0o666);
    expect(keepPasswordFile(file, 'secret-2')).toBeUndefined();
    expect(readFileSync(file, 'utf8')).toBe('secret-2\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses a folder other users can write to (a shared /tmp), and writes nothing', () => {
    const dir = join(root, 'shared');
    mkdirSync(dir);
    chmodSync(dir, 0o1777);
    const file = join(dir, 'admin-password.txt');
    expect(keepPasswordFile(file, 'secret-3')).toMatch(/can be written by other users/);
    expect(existsSync(file)).toBe(false);
  });

  it.runIf(process.getuid?.() === 0)('refuses a file another account planted, and leaves its content alone', () => {
    const dir = join(root, 'planted');
    mkdirSync(dir, { mode: 0o700 });
    const file = join(dir, 'admin-password.txt');
    writeFileSync(file, 'planted\n', { mode: 0o666 });
    chownSync(file, 65534, 65534);
    expect(keepPasswordFile(file, 'secret-4')).toMatch(/not this account's own file/);
    expect(readFileSync(file, 'utf8')).toBe('planted\n');
  });
});

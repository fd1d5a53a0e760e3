import { lstatSync, mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Keeps a generated admin password in a file only the service account can read. The folder is
 * the database's, which may be shared (`/tmp`): a folder other users can write to is refused (they
 * could plant the file or swap it), an existing file must be ours and a plain file before it is
 * replaced, and the new one is created exclusively (O_EXCL) with mode 0600, so a file planted
 * between the check and the write makes the write fail instead of filling someone else's file.
 *
 * Returns undefined when kept, or why not (the banner then prints the password once and says so).
 */
export function keepPasswordFile(file: string, password: string): string | undefined {
  const dir = dirname(file);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const folder = statSync(dir);
    if ((folder.mode & 0o022) !== 0) return `${dir} can be written by other users`;
    const existing = lstatOrUndefined(file);
    if (existing) {
      const uid = process.getuid?.();
      if (!existing.isFile() || (uid !== undefined && existing.uid !== uid)) return `${file} exists and is not this account's own file`;
      unlinkSync(file);
    }
    writeFileSync(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
    return undefined;
  } catch (e) {
    return `could not write ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
  }
}

function lstatOrUndefined(file: string) {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}

import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { join, parse } from 'node:path';
import { PartnerError, type FailureKind } from '../../partner-error.js';
import type { EhrFile, RenderedEhrPayload } from '../formats/index.js';

/**
 * File drop (directory, or an SFTP/SMB share mounted as one) with the HPRIM delivery habit
 * (standards.md, "HPRIM Santé"): each file is written under a temporary dot-name, fsync'ed and
 * renamed to its final name; the attachments (the document) first, the main file (.HPR,
 * .hl7, .json) next, and the `<base>.OK` marker last. A receiver that waits for the marker
 * never reads a half-written file.
 *
 * Idempotent: names derive from the transaction id only, so delivering the same transaction
 * again writes the same names. A rename over an existing file is atomic: a reader sees the old
 * or the new copy, whole, never a mix, and both are the same content. If the receiver already
 * consumed the first copy, it receives a second one with the same name and control id, which
 * is how it recognises the duplicate. Every failure is therefore safe to retry (never
 * ambiguous): permissions/read-only are permanent, anything else (disk full, I/O, missing
 * mount) transient.
 */
export interface FileDropOptions {
  dir: string;
  /** Marker extension, default `.OK` (some receivers want `.ok` or `.END`). */
  markerExtension?: string;
  /** fsync files and the directory (default true; off only for tests on tmpfs). */
  fsync?: boolean;
  partner?: string;
}

export interface FileDropDelivery {
  transport: 'file';
  controlId: string;
  /** Final paths written, in write order, marker last. */
  files: string[];
}

const PERMANENT_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOTDIR']);

export function markerNameFor(mainName: string, markerExtension = '.OK'): string {
  return parse(mainName).name + markerExtension;
}

export async function deliverToDirectory(opts: FileDropOptions, payload: RenderedEhrPayload): Promise<FileDropDelivery> {
  const partner = opts.partner ?? 'ehr-file-drop';
  const sync = opts.fsync ?? true;
  const written: string[] = [];
  const marker: EhrFile = { name: markerNameFor(payload.main.name, opts.markerExtension), bytes: Buffer.alloc(0) };
  try {
    for (const file of [...payload.attachments, payload.main]) {
      written.push(await writeAtomically(opts.dir, file, sync));
    }
    // The files' directory entries are durable before the marker can exist.
    if (sync) await fsyncDir(opts.dir);
    written.push(await writeAtomically(opts.dir, marker, sync));
    if (sync) await fsyncDir(opts.dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const kind: FailureKind = PERMANENT_CODES.has(code) ? 'permanent' : 'transient';
    throw new PartnerError(partner, kind, `file drop failed (${code || (err as Error).message})`, { cause: err });
  }
  return { transport: 'file', controlId: payload.controlId, files: written };
}

async function writeAtomically(dir: string, file: EhrFile, sync: boolean): Promise<string> {
  if (file.name.includes('/') || file.name.includes('\\') || file.name.startsWith('.')) {
    throw Object.assign(new Error('unsafe file name'), { code: 'EPERM' });
  }
  const finalPath = join(dir, file.name);
  // Dot-prefixed and unique per attempt: invisible to receivers, no clash between two
  // concurrent deliveries of the same transaction.
  const tmpPath = join(dir, `.${file.name}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(tmpPath, 'w');
  try {
    await handle.writeFile(file.bytes);
    if (sync) await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(tmpPath).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    await rename(tmpPath, finalPath);
  } catch (err) {
    await unlink(tmpPath).catch(() => undefined);
    throw err;
  }
  return finalPath;
}

/** Make the renames durable (POSIX: a rename is only as durable as its directory entry). */
async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some file systems (SMB, some FUSE mounts) refuse fsync on a directory: not an error.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'ENOTSUP') throw err;
  } finally {
    await handle.close();
  }
}

import type { DbOrTrx } from '../../store/db.js';

/**
 * Document bytes at rest: the base64 text in chunks (see migration 0003). Written in the
 * accept transaction, read back into one Buffer of the document's size, chunk by chunk, so the
 * 27 MB text of a 20 MB document never exists as one value on either side of the driver.
 */
/**
 * 96 KiB of base64 per row: a multiple of 4, and below V8's large-object size (128 KiB), so each
 * chunk string is young garbage that a minor GC reclaims at once instead of piling up until a
 * full GC (the peak memory of a 20 MB request depends on it).
 */
export const BLOB_CHUNK_CHARS = 96 * 1024;
const READ_BATCH = 32;

/** `base64`: the canonical base64 text as ASCII bytes. */
export async function writeDocumentBlob(db: DbOrTrx, transactionId: string, base64: Buffer): Promise<void> {
  for (let i = 0, seq = 0; i < base64.length; i += BLOB_CHUNK_CHARS, seq++) {
    const chunk = base64.toString('latin1', i, Math.min(base64.length, i + BLOB_CHUNK_CHARS));
    await db.insertInto('ehr_document_blobs').values({ transaction_id: transactionId, seq, data_base64: chunk }).execute();
  }
}

/** The document bytes, or undefined when they were purged. */
export async function readDocumentBlob(db: DbOrTrx, transactionId: string, size: number): Promise<Buffer | undefined> {
  const out = Buffer.allocUnsafe(size);
  let written = 0;
  let next = 0;
  for (;;) {
    const rows = await db
      .selectFrom('ehr_document_blobs')
      .select(['seq', 'data_base64'])
      .where('transaction_id', '=', transactionId)
      .where('seq', '>=', next)
      .orderBy('seq')
      .limit(READ_BATCH)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      if (r.seq !== next) throw new Error(`document ${transactionId} is missing chunk ${next}`);
      written += out.write(r.data_base64, written, 'base64');
      next++;
    }
  }
  if (next === 0) return undefined;
  if (written !== size) throw new Error(`document ${transactionId} decodes to ${written} bytes, ${size} expected`);
  return out;
}

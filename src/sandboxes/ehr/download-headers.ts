/**
 * How the receiver serves what it stored. Those bytes came from whoever could reach its MLLP
 * port, drop folder or JSON endpoint, and in `npm start` they are served on the engine's own
 * origin: a document declared `text/html` served inline would run script there (stored XSS).
 * So every stored item downloads as an attachment, never sniffed, and with a content type
 * only from the document types the engine itself sends (README: content-type parameter).
 */
const SAFE_DOCUMENT_TYPES = new Set(['application/pdf', 'image/jpeg', 'image/png', 'text/plain']);

/** The declared type when it is a safe document type (`application/txt` is text/plain), else octet-stream. */
export function safeDocumentType(declared: string | undefined): string {
  const type = (declared ?? '').split(';')[0]!.trim().toLowerCase();
  const normalised = type === 'application/txt' ? 'text/plain' : type;
  return SAFE_DOCUMENT_TYPES.has(normalised) ? normalised : 'application/octet-stream';
}

const EXTENSIONS: Record<string, string> = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png', 'text/plain': 'txt' };

/**
 * Headers for one stored file: an attachment named after the item id only (no patient data).
 * `contentType` is a safe type (see `safeDocumentType`), optionally with a charset.
 */
export function downloadHeaders(contentType: string, baseName: string): Record<string, string> {
  const ext = EXTENSIONS[contentType.split(';')[0]!] ?? 'bin';
  const safeName = baseName.replace(/[^A-Za-z0-9._-]/g, '_');
  return {
    'content-type': contentType,
    'content-disposition': `attachment; filename="${safeName}.${ext}"`,
    'x-content-type-options': 'nosniff',
    // Even if a browser were talked into rendering it, nothing in it may run or load.
    'content-security-policy': "default-src 'none'; sandbox",
    'cache-control': 'no-store',
  };
}

/**
 * The message as sent, for the documents page, with every embedded base64 run (the document in
 * HL7 OBX-5 or JSON `document.data`) replaced by a placeholder: a few KB to show instead of
 * 27 MB, whatever the format. Runs shorter than 80 characters are kept (ids, hashes).
 *
 * A scanner, not a regular expression: a 27 MB run overflows the regex engine's stack.
 */
const MIN_RUN = 80;

function isBase64Char(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
}

export function elideBase64(text: string): string {
  const parts: string[] = [];
  let copied = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    if (!isBase64Char(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && isBase64Char(text.charCodeAt(i))) i++;
    let end = i;
    for (let pad = 0; pad < 2 && end < n && text.charCodeAt(end) === 61; pad++) end++;
    if (i - start >= MIN_RUN) {
      parts.push(text.slice(copied, start), `<base64 elided: ${end - start} characters>`);
      copied = end;
    }
    i = end;
  }
  parts.push(text.slice(copied));
  return parts.join('');
}

/**
 * Same on the encoded message, without first decoding 27 MB into a string: base64 characters
 * are ASCII, so runs are found on the bytes (a multi-byte UTF-8 sequence never contains one),
 * and only the short text around them is decoded.
 */
export function elideBase64Bytes(bytes: Buffer, encoding: 'utf8' | 'latin1'): string {
  const parts: string[] = [];
  let copied = 0;
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    if (!isBase64Char(bytes[i]!)) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && isBase64Char(bytes[i]!)) i++;
    let end = i;
    for (let pad = 0; pad < 2 && end < n && bytes[end] === 61; pad++) end++;
    if (i - start >= MIN_RUN) {
      parts.push(bytes.subarray(copied, start).toString(encoding), `<base64 elided: ${end - start} characters>`);
      copied = end;
    }
    i = end;
  }
  parts.push(bytes.subarray(copied).toString(encoding));
  return parts.join('');
}

/** Cap of the stored preview: a message with huge non-base64 text stays displayable. */
export const MAX_PREVIEW_CHARS = 64 * 1024;

export function messagePreview(message: string | Buffer, encoding: 'utf8' | 'latin1' = 'utf8'): string {
  const elided = typeof message === 'string' ? elideBase64(message) : elideBase64Bytes(message, encoding);
  return elided.length > MAX_PREVIEW_CHARS ? `${elided.slice(0, MAX_PREVIEW_CHARS)}\n<... ${elided.length - MAX_PREVIEW_CHARS} more characters>` : elided;
}

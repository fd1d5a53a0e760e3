/**
 * The message as sent, for the documents page, with every embedded base64 run (the document in
 * HL7 OBX-5 or JSON `document.data`) replaced by a placeholder: a few KB to show instead of
 * 27 MB, whatever the format. Runs shorter than 80 characters are kept (ids, hashes).
 */
const BASE64_RUN = /[A-Za-z0-9+/]{80,}={0,2}/g;

export function elideBase64(text: string): string {
  return text.replace(BASE64_RUN, (run) => `<base64 elided: ${run.length} characters>`);
}

/** Cap of the stored preview: a message with huge non-base64 text stays displayable. */
export const MAX_PREVIEW_CHARS = 64 * 1024;

export function messagePreview(text: string): string {
  const elided = elideBase64(text);
  return elided.length > MAX_PREVIEW_CHARS ? `${elided.slice(0, MAX_PREVIEW_CHARS)}\n<... ${elided.length - MAX_PREVIEW_CHARS} more characters>` : elided;
}

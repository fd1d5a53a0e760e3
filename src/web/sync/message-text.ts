/**
 * A stored message as a person reads it: HL7 v2 with one segment a line (segments end with CR,
 * which a browser does not break on; HL7 v2.5.1 chapter 2.5.3), JSON (FHIR feed) indented.
 */
export function readable(text: string): string {
  const t = text.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return JSON.stringify(JSON.parse(t), null, 2);
    } catch {
      // Not whole JSON (a truncated head): as it came.
    }
  }
  return text
    .split(/\r\n|\r|\n/)
    .filter((line, i, all) => line !== '' || i < all.length - 1)
    .join('\n');
}

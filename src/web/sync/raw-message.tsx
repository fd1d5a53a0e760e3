import { Code } from '@mantine/core';

/**
 * A message as text in a monospace block: HL7 v2 with one segment a line (segments end with
 * CR, which a browser does not show as a line break), JSON (FHIR feed) indented.
 */
export function RawMessage({ text, label }: { text: string; label: string }) {
  return (
    <Code block role="region" aria-label={label} tabIndex={0} style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', maxHeight: 480, overflow: 'auto' }}>
      {readable(text)}
    </Code>
  );
}

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

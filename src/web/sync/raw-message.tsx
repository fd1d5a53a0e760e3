import { Code } from '@mantine/core';
import { readable } from './message-text.js';

/**
 * A message as text in a monospace block: HL7 v2 with one segment a line (segments end with
 * CR, which a browser does not show as a line break), JSON (FHIR feed) indented. Lines never
 * wrap (a field cut in two reads as two): the block scrolls sideways, the page does not.
 */
export function RawMessage({ text, label }: { text: string; label: string }) {
  return (
    <Code block role="region" aria-label={label} tabIndex={0} style={{ whiteSpace: 'pre', maxWidth: '100%', maxHeight: 480, overflow: 'auto' }}>
      {readable(text)}
    </Code>
  );
}

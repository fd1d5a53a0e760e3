import { Badge, Button, createTheme } from '@mantine/core';

/** Calm, readable defaults for front-desk use: larger text, one accent colour. */
export const theme = createTheme({
  primaryColor: 'teal',
  defaultRadius: 'md',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  headings: { fontWeight: '600' },
  fontSizes: { md: '1rem' },
  components: {
    // Sentence case reads calmer than Mantine's default upper-case badges.
    Badge: Badge.extend({ styles: { root: { textTransform: 'none' } } }),
    // Long labels ("Import 461 appointments, leave out 623") wrap on a phone instead of being
    // cut: the button grows to fit its lines and never gets shorter than Mantine's size.
    Button: Button.extend({
      styles: {
        root: { height: 'auto', minHeight: 'var(--button-height)', paddingBlock: '0.35em' },
        label: { whiteSpace: 'normal', textAlign: 'center', overflow: 'visible', lineHeight: 1.3 },
      },
    }),
  },
});

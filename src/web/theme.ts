import { Badge, createTheme } from '@mantine/core';

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
  },
});

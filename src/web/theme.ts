import { createTheme } from '@mantine/core';

/** Calm, readable defaults for front-desk use: larger text, one accent colour. */
export const theme = createTheme({
  primaryColor: 'teal',
  defaultRadius: 'md',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  headings: { fontWeight: '600' },
  fontSizes: { md: '1rem' },
});

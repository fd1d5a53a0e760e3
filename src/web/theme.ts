import { Badge, Button, createTheme, type CSSVariablesResolver } from '@mantine/core';

/** Calm, readable defaults for front-desk use: larger text, one accent colour. */
export const theme = createTheme({
  primaryColor: 'teal',
  // Filled buttons and links in the darkest teal: white on teal.6 (Mantine's default) is 2.5:1,
  // under WCAG AA's 4.5:1; teal.9 is 5:1 (links on white too).
  primaryShade: { light: 9, dark: 8 },
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

/**
 * Text colours that meet WCAG AA (4.5:1) where Mantine's defaults do not (axe-core's
 * color-contrast rule, test/e2e/every-page.test.ts):
 * - "dimmed" help text: gray.6 on white is 3.3:1; gray.7 is 8:1.
 * - light badges and alerts: `<color>.9` on `<color>.1` is 2.7:1 (yellow) to 4.3:1 (teal); these
 *   are each palette's shade 9 darkened until it reads at 4.5:1 on its shades 1 and 2.
 */
const LIGHT_TEXT: Record<string, string> = {
  red: '#b12525',
  pink: '#a61e4d',
  grape: '#862e9c',
  violet: '#5939b8',
  indigo: '#334abb',
  blue: '#165c9d',
  cyan: '#0a697a',
  teal: '#077252',
  green: '#247434',
  lime: '#4a760a',
  yellow: '#a15300',
  orange: '#ae3a0c',
};

export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    ...Object.fromEntries(Object.entries(LIGHT_TEXT).map(([color, hex]) => [`--mantine-color-${color}-light-color`, hex])),
  },
  dark: {},
});

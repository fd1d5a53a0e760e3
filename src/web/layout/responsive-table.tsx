import { Paper, Stack, Table, Text, type TableProps } from '@mantine/core';
import { useEffect, useState, type CSSProperties, type ReactNode } from 'react';

/**
 * One column of a ResponsiveTable: its header (also the card's label on a phone) and how a row
 * shows in it.
 */
export interface Column<T> {
  /** Unique among the columns (React key). */
  key: string;
  /** The table header, and the "label:" in front of the value on a card. May be empty (an actions column). */
  label: string;
  render: (row: T) => ReactNode;
  align?: 'left' | 'right';
  /** Width of the column in the table (ignored on cards). */
  width?: number | string;
  /** Leave this line out of a row's card (an empty "Details:" line says nothing on a phone). */
  hideInCard?: (row: T) => boolean;
}

/** Data attributes (data-testid, data-status...) put on a row's <tr> and on its card alike. */
export type RowAttributes = Record<`data-${string}`, string | number | boolean | undefined>;

export interface ResponsiveTableProps<T> {
  data: readonly T[];
  columns: readonly Column<T>[];
  rowKey: (row: T) => string;
  /** Accessible name of the table ("Imports", "Report"); tests find the table by it at every size. */
  label: string;
  rowAttributes?: (row: T) => RowAttributes;
  /** Data attributes of the table itself (or of the card list). */
  attributes?: RowAttributes;
  /** Wide tables scroll inside their box (never the page) below this width, above the card breakpoint. */
  minWidth?: number;
  /** Below this screen width (px) rows are cards. */
  cardsBelow?: number;
  tableProps?: Pick<TableProps, 'striped' | 'highlightOnHover' | 'verticalSpacing'>;
}

/** Below ~600 px a row of 4+ columns cannot be read without scrolling sideways: cards instead. */
export const CARDS_BELOW_PX = 600;

/**
 * The app's one data table: a Mantine Table on a wide screen, a stack of cards ("label: value"
 * lines) on a phone. The cards keep the table's semantics (role table/row/cell and the same
 * accessible name), so assistive technology and the tests find the same table at every size.
 */
export function ResponsiveTable<T>(props: ResponsiveTableProps<T>) {
  const { data, columns, rowKey, label, rowAttributes, attributes, minWidth, cardsBelow = CARDS_BELOW_PX, tableProps } = props;
  const wide = useWideScreen(cardsBelow);

  if (!wide) {
    return (
      <Stack gap="sm" role="table" aria-label={label} {...attributes}>
        {data.map((row) => (
          <Paper key={rowKey(row)} withBorder p="sm" role="row" {...rowAttributes?.(row)}>
            <Stack gap={6}>
              {columns.filter((c) => !c.hideInCard?.(row)).map((c) => (
                <div key={c.key} role="cell" style={c.label ? cardCellStyle : undefined}>
                  {c.label && (
                    <Text span size="sm" c="dimmed">
                      {c.label}:
                    </Text>
                  )}
                  <div style={cardValueStyle}>{c.render(row)}</div>
                </div>
              ))}
            </Stack>
          </Paper>
        ))}
      </Stack>
    );
  }

  const table = (
    <Table verticalSpacing="sm" {...tableProps} aria-label={label} {...attributes}>
      <Table.Thead>
        <Table.Tr>
          {columns.map((c) =>
            c.label ? (
              <Table.Th key={c.key} ta={c.align} w={c.width}>
                {c.label}
              </Table.Th>
            ) : (
              // An actions column has no header text: a plain cell, not an empty header.
              <Table.Td key={c.key} w={c.width} />
            ),
          )}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {data.map((row) => (
          <Table.Tr key={rowKey(row)} {...rowAttributes?.(row)}>
            {columns.map((c) => (
              <Table.Td key={c.key} ta={c.align}>
                {c.render(row)}
              </Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
  return minWidth ? <Table.ScrollContainer minWidth={minWidth}>{table}</Table.ScrollContainer> : table;
}

/**
 * Whether the screen is at least `px` wide, read on the first render (a first render in the
 * wrong layout would flash, and show each row twice for a moment); a table where there is no
 * window (server-side render in tests). Mantine's useMediaQuery ignores its initial value when
 * asked to read synchronously, hence this small one.
 */
function useWideScreen(px: number): boolean {
  const query = `(min-width: ${px}px)`;
  const read = () => (typeof window === 'undefined' || !('matchMedia' in window) ? true : window.matchMedia(query).matches);
  const [wide, setWide] = useState(read);
  useEffect(() => {
    const media = window.matchMedia(query);
    setWide(media.matches);
    const onChange = (e: MediaQueryListEvent) => setWide(e.matches);
    media.addEventListener('change', onChange);
    return () => media.removeEventListener('change', onChange);
  }, [query]);
  return wide;
}

const cardCellStyle: CSSProperties = {
  display: 'grid',
  gridTemplateColumns: 'minmax(5.5rem, 35%) minmax(0, 1fr)',
  columnGap: '0.75rem',
  alignItems: 'baseline',
};

const cardValueStyle: CSSProperties = { minWidth: 0, overflowWrap: 'anywhere' };

import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ROW_STATUSES } from '../../flows/bulk-import/run-status.js';
import { queryKeys } from '../api/queries.js';
import type { PagedResponse, RunRow, RunSummary } from '../api/types.js';
import { RunPage } from './run-page.js';
import { ROW_STATUS, rowStatusLabel } from './run-report.js';

/**
 * The run page with one report line per status the server can return (server-side render,
 * the query cache filled as the API answers): every line shows a plain label, never the
 * server's code (the `in_flight` badge a trial user saw), and the skipped lines and their
 * filter use the same words.
 */
const RUN_ID = '00000000-0000-4000-8000-000000000007';

const run: RunSummary = {
  id: RUN_ID,
  target: 'oncall',
  recordType: 'contacts',
  fileName: 'patients.csv',
  status: 'running',
  totalRows: ROW_STATUSES.length + 1,
  invalidRows: 1,
  counts: { pending: 1, inFlight: 1, created: 1, updated: 1, skipped: 1, failed: 1, invalid: 1, cancelled: 1 },
  done: 4,
  remaining: 2,
  ratePerSecond: 3,
  etaSeconds: 1,
  createdAt: '2026-12-01T10:00:00.000Z',
  startedAt: '2026-12-01T10:00:01.000Z',
  finishedAt: null,
  error: null,
};

// One line per status, then one with a status this UI has never heard of (a newer server).
const statuses: string[] = [...ROW_STATUSES, 'quarantined'];
const rows: PagedResponse<RunRow> = {
  total: statuses.length,
  items: statuses.map((status, i) => ({ line: i + 2, status, key: null, partnerUrl: null, message: null })),
};

function renderRunPage(report: PagedResponse<RunRow> = rows): string {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  qc.setQueryData(queryKeys.run(RUN_ID), run);
  qc.setQueryData(queryKeys.rows(RUN_ID, 'all', 0, 25), report);
  return renderToString(
    createElement(MantineProvider, null, createElement(QueryClientProvider, { client: qc }, createElement(RunPage, { runId: RUN_ID }))),
  );
}

/** What a reader sees: the markup without tags and attributes (data-status keeps the code). */
const visible = (html: string) =>
  html.replace(/<style[^>]*>.*?<\/style>/gs, ' ').replace(/<[^>]*>/g, ' ').replace(/&#x27;/g, "'").replace(/\s+/g, ' ');

describe('run page report labels', () => {
  const html = renderRunPage();

  it('shows every row status the API can return as a plain label, never the code', () => {
    for (const status of statuses) {
      const tr = new RegExp(`<tr[^>]*data-status="${status}"[^>]*>(.*?)</tr>`).exec(html);
      expect(tr, `a report line for ${status}`).not.toBeNull();
      const cells = visible(tr![1]!);
      expect(cells).toContain(rowStatusLabel(status).label);
      expect(cells).not.toMatch(new RegExp(`\\b${status}\\b`));
    }
    expect(visible(html)).toContain('Sending');
    // Codes that are not also English words must not appear anywhere on the page.
    for (const code of ['in_flight', 'inFlight', 'pending', 'invalid', 'skipped', 'quarantined']) {
      expect(visible(html)).not.toContain(code);
    }
  });

  it('has a label for every status and none for a code the server never sends', () => {
    expect(Object.keys(ROW_STATUS).sort()).toEqual([...ROW_STATUSES].sort());
    expect(rowStatusLabel('in_flight').label).toBe('Sending');
    expect(rowStatusLabel('inFlight').label).toBe('Other');
    expect(rowStatusLabel('toString').label).toBe('Other');
  });

  it('calls skipped lines "Already in OnCall" in the figures, the badges and the filter', () => {
    const text = visible(html);
    // Not "up to date": a skipped line may differ (updates not asked for) or be in another clinic.
    expect(text).not.toMatch(/up to date/i);
    expect(text).toContain('Already in OnCall (1)'); // the filter
    expect(text.match(/Already in OnCall/g)?.length).toBe(3); // figure, filter, the skipped line's badge
  });

  it('says what the run does, in numbers', () => {
    expect(visible(html)).toContain('Sending: 4 of 7 lines done');
  });
});

describe('run page report details', () => {
  // What the server stores for a line left out and a line in another clinic (field keys, a path).
  const html = renderRunPage({
    total: 2,
    items: [
      { line: 2, status: 'invalid', key: 'emr:e-2', partnerUrl: null, message: 'birthDate is in the future; firstName contains an e-mail address, not a name' },
      { line: 3, status: 'skipped', key: 'emr:e-3', partnerUrl: null, message: 'exists in another clinic (/divisions/1/); not moved' },
    ],
  });

  it('says the problems with the labels the wizard uses, as the report CSV does', () => {
    const text = visible(html);
    expect(text).toContain('Date of birth is in the future; First name contains an e-mail address, not a name.');
    expect(text).toContain('Exists in another clinic; not moved.');
    expect(text).not.toMatch(/birthDate|firstName|\/divisions\//);
  });
});

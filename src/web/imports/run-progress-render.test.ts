import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { queryKeys } from '../api/queries.js';
import type { RunSummary } from '../api/types.js';
import { progressHeadline, RunPage } from './run-page.js';

/**
 * What the run page says at each step of a run (issue 7, items 1 to 3), rendered as the browser
 * would from the API's answer: preparing with OnCall's count, sending, paused, a cancelled run.
 */
const RUN_ID = '00000000-0000-4000-8000-000000000042';
const base: RunSummary = {
  id: RUN_ID, target: 'oncall', recordType: 'contacts', fileName: 'patients.csv', status: 'running',
  totalRows: 300, invalidRows: 0,
  counts: { pending: 300, inFlight: 0, created: 0, updated: 0, skipped: 0, failed: 0, invalid: 0, cancelled: 0 },
  done: 0, remaining: 300, ratePerSecond: 0, etaSeconds: null, phase: 'preparing', preparing: { checked: 1200, total: 5000 },
  createdAt: '2026-12-01T10:00:00.000Z', startedAt: '2026-12-01T10:00:01.000Z', finishedAt: null, error: null,
};
const sending: RunSummary = {
  ...base, phase: 'sending', preparing: null, done: 120, remaining: 180, ratePerSecond: 12, etaSeconds: 15,
  counts: { ...base.counts, pending: 170, inFlight: 10, created: 100, skipped: 20 },
};
const cancelled: RunSummary = {
  ...sending, status: 'cancelled', done: 192, remaining: 0, ratePerSecond: 0, etaSeconds: null, finishedAt: '2026-12-01T10:05:00.000Z',
  counts: { ...base.counts, pending: 0, created: 170, skipped: 22, cancelled: 108 },
};

function render(run: RunSummary): string {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  qc.setQueryData(queryKeys.run(RUN_ID), run);
  qc.setQueryData(queryKeys.rows(RUN_ID, 'all', 0, 25), { total: 0, items: [] });
  const html = renderToString(createElement(MantineProvider, null, createElement(QueryClientProvider, { client: qc }, createElement(RunPage, { runId: RUN_ID }))));
  return html.replace(/<style[^>]*>.*?<\/style>/gs, ' ').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ');
}

describe('run page progress', () => {
  it('says what it looks for while preparing, with OnCall\'s count, and no time left yet', () => {
    expect(progressHeadline(base)).toBe('Looking for patients already in OnCall: 1,200 of 5,000');
    expect(progressHeadline({ ...base, preparing: { checked: 0, total: null } })).toBe('Looking for patients already in OnCall…');
    expect(progressHeadline({ ...base, recordType: 'appointments' })).toBe('Looking for appointments already in OnCall: 1,200 of 5,000');
    expect(progressHeadline({ ...base, status: 'paused' })).toBe('Paused while looking for patients already in OnCall: 1,200 of 5,000');
    const text = render(base);
    expect(text).toContain('Looking for patients already in OnCall: 1,200 of 5,000');
    expect(text).toMatch(/\b24 ?%/);
  });

  it('then says it sends, with the time left once the server has an estimate', () => {
    expect(progressHeadline(sending)).toBe('Sending: 120 of 300 lines done');
    expect(render(sending)).toContain('Time left about 15 s');
    expect(render({ ...sending, etaSeconds: null })).toContain('Time left Estimating…');
    expect(progressHeadline({ ...sending, status: 'paused' })).toBe('Paused: 120 of 300 lines done');
  });

  it('says how many lines of a cancelled run were sent and how many were cancelled', () => {
    expect(progressHeadline(cancelled)).toBe('192 of 300 sent, 108 cancelled');
    expect(progressHeadline({ ...cancelled, done: 180, remaining: 12 })).toBe('180 of 300 sent, 108 cancelled, 12 still being confirmed');
    const text = render(cancelled);
    expect(text).toContain('192 of 300 sent, 108 cancelled');
    expect(text).toMatch(/\b64 ?%/);
    expect(text).not.toMatch(/100 ?%/);
  });
});

import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../api/types.js';
import { WORKERS_QUERY_KEY, type WorkersStatus } from '../api/workers.js';
import { queryKeys } from '../api/queries.js';
import { ImportsListPage } from './imports-list-page.js';
import { summarizeWorkers } from './workers-summary.js';

/**
 * The workers panel of the imports page (issue 12's status view), rendered on the server with
 * the query cache filled as `GET /api/workers` and `GET /api/imports` answer: what an operator
 * reads, in plain words, with none of the queue's internal codes.
 */
function render(workers: WorkersStatus, runs: RunSummary[] = []): string {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  qc.setQueryData(queryKeys.runs, { items: runs });
  qc.setQueryData(WORKERS_QUERY_KEY, workers);
  const html = renderToString(createElement(MantineProvider, null, createElement(QueryClientProvider, { client: qc }, createElement(ImportsListPage))));
  // React separates adjacent text parts with comments; read the words as a browser shows them.
  return html.replace(/<!-- -->/g, '');
}

const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString();

const run: RunSummary = {
  id: 7, target: 'oncall', recordType: 'contacts', fileName: 'people.csv', status: 'running', totalRows: 4000, invalidRows: 0,
  counts: { created: 1200, updated: 0, skipped: 0, failed: 0, invalid: 0, cancelled: 0, pending: 2500, inFlight: 300 } as RunSummary['counts'],
  done: 1200, remaining: 2800, ratePerSecond: 100, etaSeconds: 28, createdAt: ago(60), startedAt: ago(50), finishedAt: null, error: null,
};

const twoWorkers: WorkersStatus = {
  queue: 'postgres',
  deadAfterSeconds: 60,
  workers: [
    {
      id: 'pool-a', host: 'worker-a', pid: 4242, heartbeatAt: ago(1), alive: true,
      jobs: [
        { id: '11', task: 'import.chunk', lockedAt: ago(20) },
        { id: '12', task: 'import.chunk', lockedAt: ago(20) },
        { id: '13', task: 'send-to-ehr.deliver', lockedAt: ago(1) },
        { id: '14', task: 'some.future-task', lockedAt: ago(1) },
      ],
      leases: [{ name: 'import:7:0', expiresAt: ago(-60) }, { name: 'import:7:3', expiresAt: ago(-60) }],
    },
    { id: 'pool-b', host: 'worker-b', pid: 5151, heartbeatAt: ago(75), alive: false, jobs: [{ id: '15', task: 'import.chunk', lockedAt: ago(90) }], leases: [{ name: 'import:7:1', expiresAt: ago(-5) }] },
  ],
};

describe('workers panel on the imports page', () => {
  it('says, per process, whether it answers and what it holds, in plain words', () => {
    const html = render(twoWorkers, [run]);
    expect(html).toContain('data-testid="workers-panel"');
    expect(html).toContain('1 worker process shares the work. A process that stays silent for 60 s has its work taken over by the others.');
    expect(html).toContain('Process 4242 on worker-a');
    expect(html).toContain('Answering');
    expect(html).toContain('2 import chunks of run people.csv');
    expect(html).toContain('href="/imports/7"');
    expect(html).toContain('1 document delivery to an EHR');
    expect(html).toContain('1 other background task');
    expect(html).toContain('Process 5151 on worker-b');
    expect(html).toMatch(/Stopped answering 7[5-6] s ago/);
    expect(html).toContain('1 import chunk of run people.csv');
    // None of the queue's internal codes.
    expect(html).not.toMatch(/import\.chunk|send-to-ehr|some\.future|import:7:|pool-a|lockedAt/);
  });

  it('on SQLite, says the work runs in this server process', () => {
    const html = render({ queue: 'sqlite', deadAfterSeconds: 30, workers: [{ id: 'h:1:x', host: 'clinic-pc', pid: 1, heartbeatAt: ago(2), alive: true, jobs: [], leases: [] }] });
    expect(html).toContain('the work runs inside this server’s own process');
    expect(html).toContain('Process 1 on clinic-pc');
    expect(html).toContain('Holds nothing at the moment.');
    expect(html).toContain('No imports yet');
  });

  it('on PostgreSQL with no live worker, says the work waits', () => {
    expect(render({ queue: 'postgres', deadAfterSeconds: 60, workers: [] })).toContain('No worker process is answering. Imports and deliveries wait until one starts.');
  });
});

describe('summarizeWorkers', () => {
  it('shows two rows of one process as one line, and chunk jobs without a lease yet as starting', () => {
    const now = Date.parse('2026-12-02T10:00:00.000Z');
    const s = summarizeWorkers(
      {
        queue: 'postgres',
        deadAfterSeconds: 10,
        workers: [
          { id: 'p1', host: 'h', pid: 9, heartbeatAt: '2026-12-02T09:59:58.000Z', alive: true, jobs: [{ id: '1', task: 'import.chunk', lockedAt: null }], leases: [{ name: 'import:3:0', expiresAt: '' }] },
          { id: 'p2', host: 'h', pid: 9, heartbeatAt: '2026-12-02T09:59:30.000Z', alive: false, jobs: [{ id: '2', task: 'import.chunk', lockedAt: null }, { id: '3', task: 'import.prepare', lockedAt: null }], leases: [{ name: 'import:3:0', expiresAt: '' }] },
        ],
      },
      new Map(),
      now,
    );
    expect(s.lines).toEqual([
      {
        key: 'h:9',
        title: 'Process 9 on h',
        alive: true,
        state: 'Answering',
        holds: [{ text: '1 import chunk of run Import 3', runId: '3' }, { text: '1 import chunk starting' }, { text: '1 import being prepared' }],
      },
    ]);
  });

  it('never says a dead worker went silent for less than the dead-after time (browser and database clocks differ)', () => {
    const s = summarizeWorkers({ queue: 'postgres', deadAfterSeconds: 60, workers: [{ id: 'p', host: 'h', pid: 1, heartbeatAt: new Date().toISOString(), alive: false, jobs: [], leases: [] }] }, new Map());
    expect(s.lines[0]!.state).toBe('Stopped answering 60 s ago');
    expect(s.intro).toContain('No worker process is answering');
  });
});

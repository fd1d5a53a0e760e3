import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createElement, type ReactElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { CLIENTS_PATH, DOCUMENTS_PATH, documentPath } from './paths.js';
import { sendToEhrPage } from './send-to-ehr-pages.js';
import { documentsQueryString, type DocumentDetail, type DocumentList } from './documents-api.js';

/**
 * The documents and API clients pages render the server's data (server-side render with the
 * query cache filled as the API answers): what a user sees, and that the base64 never shows.
 */
function render(page: ReactElement, fill: (qc: QueryClient) => void): string {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  fill(qc);
  return renderToString(createElement(MantineProvider, null, createElement(QueryClientProvider, { client: qc }, page)));
}

const row = {
  transactionId: '6d76a4b8-9c83-4f5e-9b89-68979573e117',
  createdAt: '2026-11-21T10:00:00.000Z',
  client: { id: 'c1', name: 'Clinic app' },
  patientId: 'p1',
  encounterId: 'e1',
  contentType: 'application/pdf',
  documentType: '11488-4',
  title: 'Compte rendu',
  size: 123_456,
  route: 'default',
  controlId: 'ABCDEFGHIJKLMNOPQRST',
  documentPurged: false,
  status: 'entered-in-error' as const,
  statusReason: 'EHR answered AE: PID-3 missing',
  deliveries: 1,
  attempts: 1,
  sentAt: null,
  updatedAt: '2026-11-21T10:00:01.000Z',
  nextAttemptAt: null,
};

describe('documents pages', () => {
  it('lists sendings with their status and reason', () => {
    const list: DocumentList = { total: 1, items: [row], routes: ['default'] };
    const html = render(sendToEhrPage(DOCUMENTS_PATH)!, (qc) => qc.setQueryData(['documents', { status: '', route: '', q: '', offset: 0, limit: 50 }], list));
    expect(html).toContain('Documents to EHRs');
    expect(html).toContain('Compte rendu');
    expect(html).toContain('Failed');
    expect(html).toContain('EHR answered AE: PID-3 missing');
    expect(html).toContain(documentPath(row.transactionId));
    expect(documentsQueryString({ status: 'completed', q: ' p1 ' })).toBe('status=completed&q=p1&limit=50&offset=0');
  });

  it('shows one sending: attempts, the elided message and the re-send button', () => {
    const detail: DocumentDetail = {
      ...row,
      senderRpps: '12345678910',
      sha256: 'a'.repeat(64),
      trackingUntil: '2027-01-21T10:00:00.000Z',
      documentPurgedAt: null,
      canResend: true,
      deliveries: [
        {
          id: 'd1',
          seq: 1,
          route: 'default',
          format: 'hl7-oru',
          transport: 'mllp',
          status: 'entered-in-error',
          statusReason: 'EHR answered AE: PID-3 missing',
          attempts: 1,
          createdAt: row.createdAt,
          updatedAt: row.updatedAt,
          sentAt: null,
          finishedAt: row.updatedAt,
          nextAttemptAt: null,
          messageName: 'ABC.hl7',
          messagePreview: 'MSH|^~\\&|app\rOBX|1|ED|11488-4^Consult note^LN||^AP^PDF^Base64^<base64 elided: 164612 characters>',
          attemptLog: [{ attempt: 1, startedAt: row.createdAt, finishedAt: row.updatedAt, outcome: 'rejected', ackCode: 'AE', detail: 'EHR answered AE: PID-3 missing' }],
          events: [
            { status: 'preparation', reason: null, at: row.createdAt },
            { status: 'entered-in-error', reason: 'EHR answered AE', at: row.updatedAt },
          ],
        },
      ],
    };
    const html = render(sendToEhrPage(documentPath(row.transactionId))!, (qc) => qc.setQueryData(['documents', 'one', row.transactionId], detail));
    expect(html).toContain('Send again');
    expect(html).toContain('&lt;base64 elided: 164612 characters&gt;');
    expect(html).toContain('rejected');
    expect(html).toMatch(/Delivery (<!-- -->)?1/);
  });

  it('lists API clients and offers the functional scopes', () => {
    const html = render(sendToEhrPage(CLIENTS_PATH)!, (qc) =>
      qc.setQueryData(['oauth-clients'], {
        items: [{ id: 'c1', name: 'Clinic app', scopes: ['SEND_TO_EHR'], createdAt: row.createdAt, lastUsedAt: null, revokedAt: null }],
        scopes: { functional: { SEND_TO_EHR: ['BINARY_CREATE'], PATIENT_GAM_SEARCH: ['PATIENT_READ'] }, known: [] },
      }),
    );
    expect(html).toContain('API clients');
    expect(html).toContain('Clinic app');
    expect(html).toContain('PATIENT_GAM_SEARCH');
    expect(html).toContain('Revoke');
    expect(sendToEhrPage('/imports')).toBeNull();
  });
});

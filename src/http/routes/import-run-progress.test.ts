import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactTemplate, fakePeople, PEOPLE_HEADER } from '../../../test/helpers/import-harness.js';
import { json, startSignedInServer, type SignedInServer } from '../../../test/helpers/signed-in-server.js';
import { ROW_STATUS_LABELS } from '../../flows/bulk-import/row-labels.js';

/**
 * Issue 7, items 1, 3 and 6 through the API: the run status says what a run does while it
 * prepares, with OnCall's own count; a cancelled run keeps its figures apart; the report CSV
 * uses the page's words and downloads under the file's name and the day.
 */
describe('import run status and report', () => {
  let api: SignedInServer;
  let oncall: string;
  beforeAll(async () => {
    api = await startSignedInServer('ehrb-runprogress-');
    oncall = `${api.server.url}/sandbox/oncall`;
  });
  afterAll(() => api.close());
  const call = (...args: Parameters<SignedInServer['call']>) => api.call(...args);
  const sandbox = (path: string, body: unknown) => fetch(`${oncall}/_admin/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  async function stagedRun(fileName: string, rows: string[][]): Promise<string> {
    const run = (await call('/api/imports', json({ target: 'oncall', recordType: 'contacts', fileName, mapping: contactTemplate(), defaults: { division: '1', provider: '1' } }))).body;
    const csv = [PEOPLE_HEADER.join(','), ...rows.map((r) => r.join(','))].join('\n');
    expect((await call(`/api/imports/${run.id}/file`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: csv })).status).toBe(200);
    return String(run.id);
  }

  it('says how far the look for records already in OnCall got, of OnCall\'s own count, then that it sends', async () => {
    expect((await sandbox('seed/', { contacts: 250 })).ok).toBe(true);
    const oncallCount = ((await (await fetch(`${oncall}/contacts/?page_size=1`, { headers: { authorization: 'Token oncall-sandbox-key' } })).json()) as { count: number }).count;
    expect(oncallCount).toBeGreaterThanOrEqual(250);
    expect((await sandbox('faults/', { latencyMs: 400 })).ok).toBe(true);
    const id = await stagedRun('people.csv', fakePeople(5));
    const started = (await call(`/api/imports/${id}/start`, json({}))).body;
    expect(started).toMatchObject({ status: 'running', phase: 'preparing', preparing: { checked: 0, total: null } });

    const seen: { checked: number; total: number | null }[] = [];
    let s;
    do {
      s = (await call(`/api/imports/${id}`)).body;
      if (s.preparing) seen.push(s.preparing);
      await new Promise((r) => setTimeout(r, 50));
    } while (s.status === 'running');
    await sandbox('faults/', { latencyMs: 0 });
    expect(s).toMatchObject({ status: 'completed', phase: 'sending', preparing: null });
    // Part-way figures with OnCall's total were reported (pages of 100: 100 of N, 200 of N…).
    const partWay = seen.filter((p) => p.total === oncallCount && p.checked > 0 && p.checked < oncallCount);
    expect(partWay.length).toBeGreaterThan(0);
    expect(partWay.every((p) => p.checked % 100 === 0)).toBe(true);
  });

  it('keeps a cancelled run\'s sent and cancelled lines apart', async () => {
    expect((await sandbox('faults/', { latencyMs: 300 })).ok).toBe(true);
    const id = await stagedRun('slow.csv', fakePeople(300, 1000));
    await call(`/api/imports/${id}/start`, json({}));
    await expect.poll(async () => (await call(`/api/imports/${id}`)).body.done, { timeout: 30_000, interval: 100 }).toBeGreaterThan(0);
    const cancelled = (await call(`/api/imports/${id}/cancel`, json({}))).body;
    await sandbox('faults/', { latencyMs: 0 });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.counts.cancelled).toBeGreaterThan(0);
    // Lines in flight at the cancel settle on their outcome; none is counted twice.
    await expect.poll(async () => (await call(`/api/imports/${id}`)).body.remaining, { timeout: 30_000, interval: 100 }).toBe(0);
    const end = (await call(`/api/imports/${id}`)).body;
    expect(end.done + end.counts.cancelled).toBe(300);
    expect(end.done).toBeLessThan(300);
  });

  it('downloads the report under the file\'s name and the day, in the page\'s words', async () => {
    const rows = fakePeople(4, 2000);
    rows[1]![3] = 'not-an-email';
    const id = await stagedRun('Clinic patients (May).csv', rows);
    await call(`/api/imports/${id}/start`, json({}));
    await expect.poll(async () => (await call(`/api/imports/${id}`)).body.status, { timeout: 20_000, interval: 100 }).toBe('completed');
    const report = await call(`/api/imports/${id}/report.csv`);
    const day = new Date().toISOString().slice(0, 10);
    const disposition = report.headers.get('content-disposition')!;
    expect(disposition).toContain(`filename="Clinic patients _May_.csv"`.replace('_May_.csv', '(May)-report-' + day + '.csv'));
    expect(disposition).toContain(`filename*=UTF-8''Clinic%20patients%20%28May%29-report-${day}.csv`);
    const lines = String(report.body).replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines[0]).toBe('line,result,EMR id,OnCall record,details');
    const lower = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
    expect(lines.find((l) => l.startsWith('3,'))).toMatch(new RegExp(`^3,${lower(ROW_STATUS_LABELS.invalid)},`));
    expect(lines.find((l) => l.startsWith('2,'))).toMatch(new RegExp(`^2,${lower(ROW_STATUS_LABELS.created)},emr-2000,http`));
    // No internal code anywhere in the file's results.
    const results = lines.slice(1).map((l) => l.split(',')[1]);
    expect(results.filter((r) => /^(failed|invalid|skipped|in_flight|pending)$/.test(r!))).toEqual([]);
  });
});

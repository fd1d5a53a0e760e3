import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, testStore, type TestStore } from '../../test/helpers/stores.js';
import { loadConfig } from '../config/config.js';
import { writeReportCsv } from '../flows/bulk-import/report.js';
import { RunStore } from '../flows/bulk-import/run-store.js';
import { createLogger } from '../logging/logger.js';
import type { JobQueue } from '../queue/queue.js';
import { openStore } from '../store/db.js';
import { migrateToLatest } from '../store/migrate.js';
import { DAY_MS } from './policy.js';
import { PURGED_RECORD } from './purge-import-rows.js';
import { runPurge } from './purge-job.js';

const logger = createLogger({ level: 'silent' });
const RECORD = { emrId: 'E-1', firstName: 'Ambroise', lastName: 'Dubreuil', birthDate: '1975-03-09', email: 'a.dubreuil@example.org' };

/**
 * Issue 6, item 9: an import's rows keep the whole mapped record (name, birth date, e-mail)
 * until `retention.importRowsDays` after the run ended; then only what the report needs stays.
 * Storage behaviour, so on both dialects.
 */
describe.each(DIALECTS)('retention purge of import rows (%s)', (dialect) => {
  let store: TestStore | undefined;
  afterEach(async () => {
    await store?.dispose();
    store = undefined;
  });

  async function runWith(status: string, finishedDaysAgo: number | null, now: Date) {
    const db = store!.db;
    const id = `run-${status}-${finishedDaysAgo}`;
    const at = (d: number | null) => (d === null ? null : new Date(now.getTime() - d * DAY_MS).toISOString());
    await db
      .insertInto('import_runs')
      .values({
        id, target: 'oncall', record_type: 'contacts', source: 'csv', file_name: 'people.csv', status, mapping: '{}', options: '{}',
        total_rows: 3, invalid_rows: 1, error: null, created_at: at(60)!, started_at: at(60), finished_at: at(finishedDaysAgo), updated_at: at(60)!,
      })
      .execute();
    const row = (line: number, s: string, extra: Record<string, string | null>) => ({
      run_id: id, line, row_key: `emr:E-${line}`, status: s, record: JSON.stringify({ ...RECORD, emrId: `E-${line}` }),
      errors: null, partner_url: null, message: null, attempts: 1, updated_at: at(60)!, ...extra,
    });
    await db
      .insertInto('import_rows')
      .values([
        row(2, 'created', { partner_url: 'https://oncall.test/api/contacts/7/' }),
        row(3, 'invalid', { errors: JSON.stringify([{ field: 'email', code: 'invalid-email', message: 'email is not a valid e-mail address' }]) }),
        row(4503, 'failed', { message: 'rejected by the partner: email: invalid' }),
      ])
      .execute();
    return id;
  }

  const config = (importRowsDays: number) => loadConfig({}, { retention: { importRowsDays } });
  const noQueue = {} as JobQueue;
  const noDocuments = async () => ({ purgedDocuments: 0, redactedPreviews: 0, expiredTransactions: 0 });

  it('empties the records of runs that ended before the cutoff, keeps the report, touches nothing else, and is idempotent', async () => {
    store = await testStore(dialect);
    const now = new Date();
    const old = await runWith('completed', 31, now);
    const recent = await runWith('completed', 29, now);
    const oldCancelled = await runWith('cancelled', 40, now);
    const paused = await runWith('paused', null, now); // still open: its records are needed to send it
    const runs = new RunStore(store.db);
    const reportOf = async (id: string) => {
      const chunks: Buffer[] = [];
      for await (const c of writeReportCsv(runs, (await runs.get(id))!)) chunks.push(Buffer.from(c));
      return Buffer.concat(chunks).toString('utf8');
    };
    const reportBefore = await reportOf(old);
    expect(reportBefore).toContain('https://oncall.test/api/contacts/7/');

    const deps = { db: store.db, queue: noQueue, config: config(30), logger, documents: noDocuments };
    expect(await runPurge(deps, now)).toMatchObject({ importRuns: 2, importRows: 6 });

    const rows = await store.db.selectFrom('import_rows').select(['run_id', 'line', 'status', 'record', 'row_key', 'partner_url', 'message', 'errors']).orderBy('run_id').orderBy('line').execute();
    for (const r of rows) {
      const purged = r.run_id === old || r.run_id === oldCancelled;
      expect(r.record === PURGED_RECORD, `${r.run_id} line ${r.line}`).toBe(purged);
      if (purged) expect(r.record).not.toMatch(/Ambroise|Dubreuil|1975|example\.org/);
    }
    // The report of the purged run is the same report, line for line.
    expect(await reportOf(old)).toBe(reportBefore);
    const marks = await store.db.selectFrom('import_runs').select(['id', 'rows_purged_at', 'status']).execute();
    expect(marks.filter((m) => m.rows_purged_at !== null).map((m) => m.id).sort()).toEqual([old, oldCancelled].sort());
    expect(marks.find((m) => m.id === paused)!.status).toBe('paused');
    void recent;

    // Again: nothing left to do, nothing written.
    expect(await runPurge(deps, now)).toMatchObject({ importRuns: 0, importRows: 0 });
    // A shorter setting reaches the recent run.
    expect(await runPurge({ ...deps, config: config(7) }, now)).toMatchObject({ importRuns: 1, importRows: 3 });
  });
});

describe('database file modes (issue 6, item 9)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('creates the data folder 0700 and the SQLite file, its -wal and -shm 0600, whatever the umask', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ehrb-mode-'));
    dirs.push(root);
    const file = join(root, 'data', 'ehr-bridge.sqlite');
    const old = process.umask(0o022);
    try {
      const store = openStore(file);
      await migrateToLatest(store);
      await store.db.insertInto('settings').values({ key: 'k', value: 'v' }).execute();
      const mode = (p: string) => statSync(p).mode & 0o777;
      expect(mode(join(root, 'data'))).toBe(0o700);
      expect(mode(file)).toBe(0o600);
      expect(mode(`${file}-wal`)).toBe(0o600);
      expect(mode(`${file}-shm`)).toBe(0o600);
      await store.close();
    } finally {
      process.umask(old);
    }
  });

  it('tightens a database file an older version created world-readable', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ehrb-mode-'));
    dirs.push(root);
    const file = join(root, 'old.sqlite');
    writeFileSync(file, '', { mode: 0o644 });
    const store = openStore(file);
    await migrateToLatest(store);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await store.close();
  });
});

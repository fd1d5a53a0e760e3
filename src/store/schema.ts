/**
 * Table types for kysely. Portable across SQLite and PostgreSQL on purpose: ids are text
 * (UUIDs), timestamps are ISO-8601 text (sortable), JSON is text, booleans are 0/1 integers,
 * so one query builder serves both dialects without per-dialect branches.
 */
export interface SettingsTable {
  key: string;
  value: string;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  key_hash: string;
  /** First characters of the key, shown in lists so a user can tell keys apart. */
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface SessionsTable {
  token_hash: string;
  user_name: string;
  created_at: string;
  expires_at: string;
}

export interface MappingTemplatesTable {
  id: string;
  name: string;
  target: string;
  record_type: string;
  mapping: string;
  created_at: string;
  updated_at: string;
}

export interface ImportRunsTable {
  id: string;
  target: string;
  record_type: string;
  source: string;
  file_name: string | null;
  status: string;
  mapping: string;
  options: string;
  total_rows: number;
  invalid_rows: number;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

export interface ImportRowsTable {
  run_id: string;
  line: number;
  row_key: string;
  status: string;
  record: string;
  errors: string | null;
  partner_url: string | null;
  message: string | null;
  attempts: number;
  updated_at: string;
}

export interface XrefsTable {
  target: string;
  kind: string;
  source_key: string;
  partner_url: string;
  content_hash: string | null;
  updated_at: string;
}

export interface JobsTable {
  id: string;
  name: string;
  payload: string;
  job_key: string | null;
  run_at: string;
  attempts: number;
  max_attempts: number;
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  created_at: string;
}

export interface QueueWorkersTable {
  worker_id: string;
  host: string;
  pid: number;
  heartbeat_at: string;
}

export interface LeasesTable {
  name: string;
  holder: string;
  host: string;
  pid: number;
  expires_at: string;
}

export interface Database {
  settings: SettingsTable;
  api_keys: ApiKeysTable;
  sessions: SessionsTable;
  mapping_templates: MappingTemplatesTable;
  import_runs: ImportRunsTable;
  import_rows: ImportRowsTable;
  xrefs: XrefsTable;
  jobs: JobsTable;
  queue_workers: QueueWorkersTable;
  leases: LeasesTable;
}

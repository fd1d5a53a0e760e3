import type { ColumnType, Generated } from 'kysely';

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
  /** Fingerprint of the admin password hash the session was opened under (0004); null = dead. */
  password_stamp: string | null;
}

/** Consecutive failed sign-ins per account and the lockout they caused (0004). */
export interface LoginLockoutsTable {
  account: string;
  failures: number;
  locked_until: string | null;
  updated_at: string;
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
  /** When the retention job purged the patient data of this run's rows (migration 0007). */
  rows_purged_at?: string | null;
  /** What the run is doing before sending, as JSON (`RunProgress`, migration 0008). */
  progress?: string | null;
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

export interface OauthClientsTable {
  id: string;
  name: string;
  secret_hash: string;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface OauthTokensTable {
  token_hash: string;
  client_id: string;
  scopes: string;
  audience: string | null;
  created_at: string;
  expires_at: string;
}

export interface EhrTransactionsTable {
  id: string;
  client_id: string;
  client_name: string;
  request_hash: string;
  patient_id: string;
  encounter_id: string | null;
  content_type: string;
  loinc: string;
  title: string | null;
  sender_rpps: string | null;
  size_bytes: number;
  sha256: string;
  route: string;
  control_id: string;
  created_at: string;
  tracking_until: string;
  blob_purged_at: string | null;
  expired_at: string | null;
}

export interface EhrDocumentBlobsTable {
  transaction_id: string;
  seq: number;
  data_base64: string;
}

export interface EhrRequestKeysTable {
  request_hash: string;
  transaction_id: string;
  expires_at: string;
}

export interface EhrDeliveriesTable {
  id: string;
  transaction_id: string;
  seq: number;
  route: string;
  format: string;
  transport: string;
  status: string;
  status_reason: string | null;
  attempts: number;
  message_name: string | null;
  message_preview: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
  finished_at: string | null;
  next_attempt_at: string | null;
  /** When the message preview was reduced to its identifier-free form (migration 0007). */
  preview_redacted_at?: string | null;
}

export interface EhrDeliveryAttemptsTable {
  delivery_id: string;
  attempt: number;
  started_at: string;
  finished_at: string | null;
  outcome: string | null;
  ack_code: string | null;
  detail: string | null;
}

export interface EhrDeliveryEventsTable {
  id: string;
  delivery_id: string;
  status: string;
  reason: string | null;
  at: string;
}

/**
 * Inbound messages as received (migration 0009, src/messages/). `id` is the arrival sequence;
 * PostgreSQL hands bigint back as a string, so readers go through Number().
 */
export interface MessagesTable {
  id: Generated<string | number>;
  channel: string;
  received_at: string;
  last_received_at: string;
  times_received: ColumnType<number, number | undefined, number>;
  remote_address: string | null;
  raw: Buffer;
  size_bytes: number;
  raw_truncated: ColumnType<number, number | undefined, number>;
  content_hash: string;
  message_type: string;
  event: string;
  version: string;
  control_id: string;
  sending_application: string;
  sending_facility: string;
  /** received | processed | failed | ignored | rejected */
  status: string;
  status_reason: string | null;
  ack: Buffer | null;
  ack_code: string | null;
  error: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  processed_at: string | null;
}

export interface MessagePatientsTable {
  patient_id: string;
  message_id: string | number;
}

export interface MessageEventsTable {
  id: Generated<string | number>;
  message_id: string | number;
  at: string;
  /** parsed | decision | call | error */
  kind: string;
  /** JSON */
  detail: string;
}

/** The same record in two systems (migration 0010, src/links/). */
export interface LinksTable {
  id: Generated<string | number>;
  /** patient | appointment | participant */
  kind: string;
  source_system: string;
  source_id: string;
  target_system: string;
  target_id: string;
  parent_id: string | null;
  projection_hash: string | null;
  not_after: string | null;
  updated_at: string;
}

/** Outbound writes: intent before the call, done after it (migration 0010, src/effects/). */
export interface EffectsTable {
  key: string;
  target: string;
  action: string;
  /** intent | done */
  status: string;
  result: string | null;
  message_id: string | number | null;
  created_at: string;
  updated_at: string;
}

/** What a scan saw last of each platform record (migration 0011, src/channels/oncall-scan/). */
export interface ScanMarksTable {
  system: string;
  kind: string;
  record_id: string;
  hash: string;
  seen_at: string;
}

/** One scan of a platform's records, resumable at next_page (migration 0011). */
export interface ScanRunsTable {
  id: Generated<string | number>;
  system: string;
  kind: string;
  /** running | done | failed | interrupted */
  status: string;
  next_page: ColumnType<number, number | undefined, number>;
  seen: ColumnType<number, number | undefined, number>;
  changed: ColumnType<number, number | undefined, number>;
  requests: ColumnType<number, number | undefined, number>;
  error: string | null;
  /** manual | schedule */
  trigger: string;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
}

/** A possible match a person must confirm (migration 0011, src/flows/sync/targets/emr/). */
export interface SyncReviewsTable {
  id: Generated<string | number>;
  kind: string;
  platform_system: string;
  platform_id: string;
  /** JSON array of EMR ids */
  candidates: string;
  reason: string;
  /** open | linked | created | ignored */
  status: string;
  message_id: string | number | null;
  resolved_to: string | null;
  resolved_by: string | null;
  created_at: string;
  resolved_at: string | null;
}

export interface Database {
  settings: SettingsTable;
  api_keys: ApiKeysTable;
  sessions: SessionsTable;
  login_lockouts: LoginLockoutsTable;
  mapping_templates: MappingTemplatesTable;
  import_runs: ImportRunsTable;
  import_rows: ImportRowsTable;
  xrefs: XrefsTable;
  jobs: JobsTable;
  queue_workers: QueueWorkersTable;
  leases: LeasesTable;
  oauth_clients: OauthClientsTable;
  oauth_tokens: OauthTokensTable;
  ehr_transactions: EhrTransactionsTable;
  ehr_document_blobs: EhrDocumentBlobsTable;
  ehr_request_keys: EhrRequestKeysTable;
  ehr_deliveries: EhrDeliveriesTable;
  ehr_delivery_attempts: EhrDeliveryAttemptsTable;
  ehr_delivery_events: EhrDeliveryEventsTable;
  messages: MessagesTable;
  message_patients: MessagePatientsTable;
  message_events: MessageEventsTable;
  links: LinksTable;
  effects: EffectsTable;
  scan_marks: ScanMarksTable;
  scan_runs: ScanRunsTable;
  sync_reviews: SyncReviewsTable;
}

/**
 * Shapes of the engine's HTTP API as the web UI reads them (contract in the brief of the
 * bulk-import routes). Kept as plain interfaces: the server validates, the UI only displays.
 */
import type { RecordType } from '../../domain/identifiers.js';

export interface SessionUser {
  name?: string;
  [key: string]: unknown;
}
export interface MeResponse {
  user: SessionUser | string;
}

export interface Division {
  url: string;
  name: string;
}
export interface Provider {
  url: string;
  full_name: string;
  email: string;
  memberships: string[];
}
export interface OnCallSettings {
  baseUrl: string;
  emrIdField: string;
  emrIdMetadataKey: string;
  customFields: { id: string; label: string }[];
}
export interface ListResponse<T> {
  items: T[];
}

export interface SavedTemplate<M = unknown> {
  id: string | number;
  name: string;
  target: 'oncall';
  recordType: RecordType;
  mapping: M;
  createdAt: string;
  updatedAt: string;
}

// The server's own definitions (type-only or pure modules, so nothing server-side is bundled).
export { RUN_STATUSES, type RunStatus } from '../../flows/bulk-import/run-status.js';
import type { RunStatus } from '../../flows/bulk-import/run-status.js';
import type { RunSummary as ServerRunSummary } from '../../flows/bulk-import/import-service.js';
export type RunCounts = ServerRunSummary['counts'];

export interface RunSummary {
  id: string | number;
  target: 'oncall';
  recordType: RecordType;
  source?: string;
  fileName: string | null;
  status: RunStatus;
  totalRows: number | null;
  invalidRows: number | null;
  counts: RunCounts;
  done: number;
  remaining: number;
  ratePerSecond: number | null;
  etaSeconds: number | null;
  /** What a started run is doing: looking for records already in OnCall, or sending. */
  phase?: ServerRunSummary['phase'];
  /** While preparing: records looked at, of OnCall's total (null until OnCall answered). */
  preparing?: ServerRunSummary['preparing'];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  options?: { updateExisting?: boolean; [key: string]: unknown } | null;
}

export interface ServerProblem {
  field: string;
  column?: string | null;
  code: string;
  message: string;
}
export interface ProblemLine {
  line: number;
  errors: ServerProblem[];
}
export interface PagedResponse<T> {
  total: number;
  items: T[];
}

// The server's list (it sends `in_flight`, not `inFlight`): one definition, so the UI cannot drift.
export { ROW_STATUSES, type RowStatus } from '../../flows/bulk-import/run-status.js';
import type { RowStatus } from '../../flows/bulk-import/run-status.js';

export interface RunRow {
  line: number;
  status: RowStatus | string;
  key: string | null;
  partnerUrl: string | null;
  message: string | null;
}

/** Statuses in which the server is still working on the run (the page keeps polling). */
export const ACTIVE_STATUSES = ['draft', 'staging', 'running'] as const satisfies readonly RunStatus[];
export const FINISHED_STATUSES = ['completed', 'cancelled', 'failed'] as const satisfies readonly RunStatus[];

export function isFinished(status: RunStatus): boolean {
  return (FINISHED_STATUSES as readonly string[]).includes(status);
}

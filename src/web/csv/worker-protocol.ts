/**
 * Messages between the page and the CSV Web Worker. One job at a time per worker: a new
 * `read` cancels the previous one (its late messages are dropped by `jobId`).
 */
import type { RecordType } from '../../domain/identifiers.js';
import type { MappingOptions, MappingTemplate } from '../../flows/bulk-import/mapping/template.js';
import type { CsvSniff } from './sniff.js';

export interface RowProblem {
  line: number;
  /** Who the line is about (patient name or appointment title), when the line has it. */
  name?: string | null | undefined;
  emrId?: string | null | undefined;
  /** The line's cells as read (for "fix in place" and "download only the lines to fix"). */
  cells?: string[] | undefined;
  errors: {
    field: string;
    column?: string | undefined;
    code: string;
    message: string;
    severity?: 'error' | 'warning' | undefined;
    /** The cell's text in the file (the column's value on this line). */
    value?: string | undefined;
  }[];
}

export interface ReadRequest {
  type: 'read';
  jobId: number;
  file: Blob;
  recordType: RecordType;
  /**
   * When given, every row is checked against it as it is read. `'suggest'`: the worker builds
   * the suggested mapping from the header and the first rows, reports it, and checks with it
   * (so problems show seconds after the file is chosen, before the user opens the mapping).
   */
  template?: MappingTemplate | 'suggest' | undefined;
  /** Options added to a suggested mapping (the time zone of appointment times, ...). */
  suggestOptions?: MappingOptions | undefined;
  /** Fields the form fills for every row (division, provider): their row checks are skipped. */
  formFields?: string[] | undefined;
  /** How many first rows to send back for the preview and the mapping suggestions. */
  previewRows: number;
  /** At most this many problem lines are sent to the page (all are counted). */
  maxProblems: number;
}
export interface CancelRequest {
  type: 'cancel';
  jobId: number;
}
export type WorkerRequest = ReadRequest | CancelRequest;

export type WorkerMessage =
  | { type: 'header'; jobId: number; header: string[]; sniff: CsvSniff; totalBytes: number }
  | { type: 'preview'; jobId: number; rows: { line: number; cells: string[] }[] }
  | { type: 'suggested'; jobId: number; template: MappingTemplate }
  /** Problems with the header itself (missing or repeated columns): nothing can be imported. */
  | { type: 'header-issues'; jobId: number; issues: { code: string; columns: readonly string[]; message: string }[] }
  | {
      type: 'progress';
      jobId: number;
      rows: number;
      bytes: number;
      invalidRows: number;
      /** Problem lines found since the last message (until maxProblems have been sent). */
      problems: RowProblem[];
    }
  | { type: 'done'; jobId: number; rows: number; bytes: number; invalidRows: number; elapsedMs: number }
  | { type: 'failed'; jobId: number; message: string };

/**
 * React side of the CSV worker: one worker per wizard, one read at a time; messages are
 * folded into a state object (the worker already throttles them to ~10 a second, so the page
 * re-renders calmly even for a 1,000,000-row file).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RecordType } from '../../domain/identifiers.js';
import type { MappingOptions, MappingTemplate } from '../../flows/bulk-import/mapping/template.js';
import type { CsvRow } from './read-csv-stream.js';
import type { CsvSniff } from './sniff.js';
import type { RowProblem, WorkerMessage, WorkerRequest } from './worker-protocol.js';

export interface CsvReadState {
  jobId: number;
  phase: 'idle' | 'reading' | 'done' | 'failed';
  /** True when rows are being checked against a mapping (not only counted). */
  checking: boolean;
  header: string[] | null;
  sniff: CsvSniff | null;
  totalBytes: number;
  bytes: number;
  rows: number;
  preview: CsvRow[] | null;
  suggested: MappingTemplate | null;
  headerIssues: { code: string; columns: readonly string[]; message: string }[];
  invalidRows: number;
  problems: RowProblem[];
  elapsedMs: number | null;
  error: string | null;
}

export const IDLE_READ: CsvReadState = {
  jobId: 0, phase: 'idle', checking: false, header: null, sniff: null, totalBytes: 0, bytes: 0,
  rows: 0, preview: null, suggested: null, headerIssues: [], invalidRows: 0, problems: [], elapsedMs: null, error: null,
};

export interface ReadOptions {
  recordType: RecordType;
  template?: MappingTemplate | 'suggest';
  suggestOptions?: MappingOptions;
  formFields?: string[];
  previewRows?: number;
  maxProblems?: number;
}

/** Problems kept in the page: enough to page through, bounded so memory stays flat. */
const DEFAULT_MAX_PROBLEMS = 2000;

export function useCsvReader(): {
  state: CsvReadState;
  read: (file: Blob, options: ReadOptions) => void;
  cancel: () => void;
} {
  const [state, setState] = useState<CsvReadState>(IDLE_READ);
  const workerRef = useRef<Worker | null>(null);
  const jobRef = useRef(0);

  useEffect(() => () => {
    workerRef.current?.terminate();
    workerRef.current = null;
  }, []);

  const onMessage = useCallback((event: MessageEvent<WorkerMessage>) => {
    const m = event.data;
    if (m.jobId !== jobRef.current) return;
    setState((s) => {
      switch (m.type) {
        case 'header':
          return { ...s, header: m.header, sniff: m.sniff, totalBytes: m.totalBytes };
        case 'preview':
          return { ...s, preview: m.rows };
        case 'suggested':
          return { ...s, suggested: m.template };
        case 'header-issues':
          return { ...s, headerIssues: m.issues };
        case 'progress':
          return {
            ...s, rows: m.rows, bytes: m.bytes, invalidRows: m.invalidRows,
            problems: m.problems.length > 0 ? s.problems.concat(m.problems) : s.problems,
          };
        case 'done':
          return { ...s, phase: 'done', rows: m.rows, bytes: m.bytes, invalidRows: m.invalidRows, elapsedMs: m.elapsedMs };
        case 'failed':
          return { ...s, phase: 'failed', error: m.message };
      }
    });
  }, []);

  const worker = useCallback((): Worker => {
    if (!workerRef.current) {
      const w = new Worker(new URL('./csv-worker.ts', import.meta.url), { type: 'module', name: 'csv-reader' });
      w.onmessage = onMessage;
      w.onerror = (e) => {
        setState((s) => ({ ...s, phase: 'failed', error: e.message || 'The file reader stopped unexpectedly.' }));
      };
      workerRef.current = w;
    }
    return workerRef.current;
  }, [onMessage]);

  const read = useCallback((file: Blob, options: ReadOptions) => {
    const jobId = ++jobRef.current;
    setState({ ...IDLE_READ, jobId, phase: 'reading', checking: options.template !== undefined, totalBytes: file.size });
    const request: WorkerRequest = {
      type: 'read', jobId, file, recordType: options.recordType, template: options.template,
      suggestOptions: options.suggestOptions, formFields: options.formFields, previewRows: options.previewRows ?? 50,
      maxProblems: options.maxProblems ?? DEFAULT_MAX_PROBLEMS,
    };
    worker().postMessage(request);
  }, [worker]);

  const cancel = useCallback(() => {
    const jobId = jobRef.current;
    workerRef.current?.postMessage({ type: 'cancel', jobId } satisfies WorkerRequest);
    jobRef.current++;
    setState(IDLE_READ);
  }, []);

  return { state, read, cancel };
}

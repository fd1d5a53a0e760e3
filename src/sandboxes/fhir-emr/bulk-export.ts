import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import { FHIR_EMR_TYPES, type FhirEmrStore, type FhirEmrType } from './fhir-store.js';
import { OperationOutcomeError } from './operation-outcome.js';
import { dateRange } from './search-values.js';

/**
 * FHIR Bulk Data export, async request pattern
 * (https://hl7.org/fhir/uv/bulkdata/export.html): kick-off returns 202 and a status URL,
 * the status URL answers 202 + X-Progress/Retry-After while the job "runs", then a JSON
 * manifest listing NDJSON files. The data is frozen at kick-off (`transactionTime`), and the
 * "running" phase is simulated by `delayMs` so clients exercise their polling loop.
 */

/** Types in the Patient compartment (https://hl7.org/fhir/R4/compartmentdefinition-patient.html). */
const PATIENT_COMPARTMENT: readonly FhirEmrType[] = ['Patient', 'Encounter', 'Appointment'];

/** Output formats the spec says a server must accept as synonyms. */
const NDJSON_FORMATS = ['application/fhir+ndjson', 'application/ndjson', 'ndjson'];

export interface ExportFile {
  name: string;
  type: FhirEmrType;
  resources: readonly Resource[];
}

export interface ExportJob {
  id: string;
  requestUrl: string;
  transactionTime: string;
  createdAt: number;
  readyAt: number;
  expiresAt: number;
  files: ExportFile[];
}

export interface ExportKickOff {
  level: 'system' | 'patient';
  requestUrl: string;
  params: readonly [string, string][];
  /** `Prefer: handling=lenient`: ignore unsupported parameters instead of failing. */
  lenient: boolean;
}

export class ExportJobs {
  private readonly jobs = new Map<string, ExportJob>();

  constructor(
    private readonly store: FhirEmrStore,
    private readonly opts: { delayMs: number; maxResourcesPerFile: number; retentionMs: number },
  ) {}

  kickOff(req: ExportKickOff): ExportJob {
    const available = req.level === 'patient' ? PATIENT_COMPARTMENT : FHIR_EMR_TYPES;
    let types: readonly FhirEmrType[] = available;
    let since: number | undefined;
    for (const [key, value] of req.params) {
      if (key === '_type') {
        const asked = value.split(',').map((t) => t.trim()).filter(Boolean);
        const unknown = asked.filter((t) => !(available as readonly string[]).includes(t));
        if (unknown.length > 0 && !req.lenient) {
          throw OperationOutcomeError.of(400, 'not-supported', `_type not available at ${req.level} level: ${unknown.join(',')}`, ['_type']);
        }
        types = available.filter((t) => asked.includes(t));
      } else if (key === '_since') {
        // _since is an instant: a full timestamp with a zone is required. An unencoded `+`
        // in the offset arrives as a space after form decoding.
        const instant = value.replace(/ (\d{2}:\d{2})$/, '+$1');
        const r = /T.*(Z|[+-]\d{2}:\d{2})$/.test(instant) ? dateRange(instant) : undefined;
        if (!r) throw OperationOutcomeError.of(400, 'value', '_since must be a FHIR instant (with time zone)', ['_since']);
        since = r.start;
      } else if (key === '_outputFormat') {
        if (!NDJSON_FORMATS.includes(value)) {
          throw OperationOutcomeError.of(400, 'not-supported', 'Only NDJSON output is supported', ['_outputFormat']);
        }
      } else if (!req.lenient) {
        // The spec asks servers to reject parameters they do not support unless the client
        // opted into lenient handling (e.g. _typeFilter, _elements, patient).
        throw OperationOutcomeError.of(400, 'not-supported', `Unsupported $export parameter: ${key}`, [key]);
      }
    }

    const now = Date.now();
    const job: ExportJob = {
      id: randomUUID(),
      requestUrl: req.requestUrl,
      transactionTime: new Date(now).toISOString(),
      createdAt: now,
      readyAt: now + this.opts.delayMs,
      expiresAt: now + this.opts.delayMs + this.opts.retentionMs,
      files: [],
    };
    for (const type of types) {
      const all = this.store.list(type);
      const selected =
        since === undefined ? all : all.filter((r) => Date.parse(r.meta?.lastUpdated ?? '') > (since ?? 0));
      for (let i = 0, part = 1; i < selected.length; i += this.opts.maxResourcesPerFile, part++) {
        job.files.push({ name: `${type}-${part}.ndjson`, type, resources: selected.slice(i, i + this.opts.maxResourcesPerFile) });
      }
    }
    this.sweep(now);
    this.jobs.set(job.id, job);
    return job;
  }

  get(id: string): ExportJob | undefined {
    const job = this.jobs.get(id);
    if (job && job.expiresAt < Date.now()) {
      this.jobs.delete(id);
      return undefined;
    }
    return job;
  }

  /** Cancel (while running) or release (once downloaded): the files are gone afterwards. */
  delete(id: string): boolean {
    return this.jobs.delete(id);
  }

  clear(): void {
    this.jobs.clear();
  }

  get size(): number {
    return this.jobs.size;
  }

  private sweep(now: number): void {
    for (const [id, job] of this.jobs) if (job.expiresAt < now) this.jobs.delete(id);
  }
}

/** NDJSON lines in chunks of ~64 KiB, so a large file streams instead of being built whole. */
export async function* ndjsonChunks(resources: readonly Resource[]): AsyncGenerator<string> {
  let chunk = '';
  for (const r of resources) {
    chunk += `${JSON.stringify(r)}\n`;
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

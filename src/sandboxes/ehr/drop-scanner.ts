import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeText } from '../../hl7/charset.js';
import { parseHprim, readHprimDocument } from '../../partners/ehr/formats/hprim.js';
import { receiveHl7 } from './receive-hl7.js';
import { receiveJsonDocument } from './receive-json.js';
import type { EhrSandboxStore } from './store.js';

/**
 * The receiving side of a file drop: poll the folder for `<base>.OK` markers (the sender writes
 * them last), read `<base>.HPR` (+ the document its FIC OBX names), `<base>.hl7` or
 * `<base>.json`, then move everything to `processed/` (overwriting an older copy: a redelivery
 * of the same transaction has the same names and counts as a duplicate).
 */
export interface DropScannerOptions {
  dir: string;
  store: EhrSandboxStore;
  pollIntervalMs?: number;
  markerExtension?: string;
}

const MAIN_EXTENSIONS = ['.HPR', '.hpr', '.hl7', '.HL7', '.json', '.JSON'];

export class DropScanner {
  readonly dir: string;
  readonly processedDir: string;
  private readonly store: EhrSandboxStore;
  private readonly interval: number;
  private readonly markerExt: string;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(opts: DropScannerOptions) {
    this.dir = opts.dir;
    this.processedDir = join(opts.dir, 'processed');
    this.store = opts.store;
    this.interval = opts.pollIntervalMs ?? 200;
    this.markerExt = (opts.markerExtension ?? '.OK').toLowerCase();
  }

  async start(): Promise<void> {
    await mkdir(this.processedDir, { recursive: true });
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.scanOnce()
        .then(() => undefined)
        .catch(() => undefined) // a vanished file mid-scan: the next pass sees the truth
        .finally(() => this.schedule());
    }, this.interval);
    this.timer.unref();
  }

  /** One pass over the folder; returns how many deliveries were consumed. */
  async scanOnce(): Promise<number> {
    const names = await readdir(this.dir);
    const markers = names.filter((n) => n.toLowerCase().endsWith(this.markerExt)).sort();
    for (const marker of markers) await this.consume(marker, names);
    return markers.length;
  }

  private async consume(marker: string, names: string[]): Promise<void> {
    const base = marker.slice(0, marker.length - this.markerExt.length);
    const main = MAIN_EXTENSIONS.map((ext) => base + ext).find((n) => names.includes(n));
    const moved: string[] = [marker];
    if (!main) {
      this.store.add({ transport: 'file', controlId: base, messageType: null, ack: 'AE', accepted: false, errors: ['marker without a main file'], raw: '', rawElided: '', files: [marker] });
      await this.moveAll(moved);
      return;
    }
    moved.unshift(main);
    const bytes = await readFile(join(this.dir, main));
    const ext = main.slice(base.length).toLowerCase();

    if (ext === '.hl7') {
      receiveHl7(bytes, 'file', this.store, { extra: { files: [...moved] } });
    } else if (ext === '.json') {
      receiveJsonDocument(bytes.toString('utf8'), 'file', this.store, { files: [...moved] });
    } else {
      await this.receiveHprim(bytes, base, names, moved);
    }
    await this.moveAll(moved);
  }

  private async receiveHprim(bytes: Buffer, base: string, names: string[], moved: string[]): Promise<void> {
    // HPRIM is ISO-8859-1 unless the file is valid UTF-8 with multi-byte sequences.
    const utf8 = bytes.toString('utf8');
    const text = !utf8.includes('\uFFFD') && /[^\x00-\x7f]/.test(utf8) ? utf8 : decodeText(bytes, 'ISO-8859-1');
    let summary;
    try {
      summary = readHprimDocument(parseHprim(text));
    } catch (err) {
      this.store.add({ transport: 'file', controlId: base, messageType: null, ack: 'AE', accepted: false, errors: [(err as Error).message], raw: text, rawElided: text, files: [...moved] });
      return;
    }
    const errors: string[] = [];
    if (!summary.patient.id) errors.push('P 8.3 patient id is required');
    const docName = summary.documentFile;
    let doc: Buffer | undefined;
    if (!docName) errors.push('no OBX FIC referencing the document');
    else if (!names.includes(docName)) errors.push('document file named by the FIC OBX is missing');
    else {
      doc = await readFile(join(this.dir, docName));
      moved.unshift(docName);
    }
    const key = `file:${base}`;
    if (errors.length === 0 && this.store.checkDuplicate(key)) return;
    this.store.add(
      {
        transport: 'file',
        controlId: base,
        messageType: 'HPRIM^ORU',
        ack: errors.length ? 'AE' : 'AA',
        accepted: errors.length === 0,
        errors,
        raw: text,
        rawElided: text,
        files: [...moved],
        ...(doc && docName
          ? { document: { contentType: contentTypeOf(docName), size: doc.length, sha256: sha256(doc), fileName: docName } }
          : {}),
      },
      doc,
      key,
    );
  }

  private async moveAll(files: string[]): Promise<void> {
    for (const f of files) await rename(join(this.dir, f), join(this.processedDir, f));
  }
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function contentTypeOf(name: string): string {
  const ext = name.split('.').pop()?.toUpperCase();
  return ext === 'PDF' ? 'application/pdf' : ext === 'JPG' || ext === 'JPEG' ? 'image/jpeg' : ext === 'PNG' ? 'image/png' : 'application/txt';
}


import { Hl7Message, type Hl7Field, type Hl7Segment } from '@medplum/core';
import { delimitersFromHeader, unescapeHl7, type Hl7Delimiters } from '../../hl7/escape.js';
import type { Hl7Charset } from '../../hl7/charset.js';

/**
 * A read-only view over @medplum/core's `Hl7Message` that returns UNESCAPED, trimmed leaf
 * values with HL7's 1-based numbering everywhere (medplum numbers components from 1 but
 * subcomponents and repetitions from 0, and throws on a missing repetition).
 *
 * Values are split first and unescaped after (HL7 v2.5 section 2.7), with `\Xhh\` read in the
 * message's charset.
 */
export class MessageReader {
  readonly delimiters: Hl7Delimiters;
  readonly message: Hl7Message;
  readonly segments: SegmentView[];
  /** Lines whose segment id is not 3 letters/digits (a raw line break inside a value). */
  readonly invalidLines: number;

  private constructor(message: Hl7Message, delimiters: Hl7Delimiters, charset: Hl7Charset, invalidLines: number) {
    this.message = message;
    this.delimiters = delimiters;
    this.invalidLines = invalidLines;
    const seen = new Map<string, number>();
    this.segments = message.segments.map((seg) => {
      const n = (seen.get(seg.name) ?? 0) + 1;
      seen.set(seg.name, n);
      return new SegmentView(seg, n, delimiters, charset);
    });
  }

  /**
   * Parse text that starts with `MSH` (BOM and leading whitespace already removed). Throws
   * when the header's delimiters cannot be read.
   */
  static parse(text: string, charset: Hl7Charset): MessageReader {
    const delimiters = delimitersFromHeader(text);
    const lines = text.split(/\r\n|\r|\n/).filter((l) => l.trim() !== '');
    const valid = lines.filter((l) => /^[A-Z][A-Z0-9]{2}$/.test(l.slice(0, 3)) && (l.length === 3 || l.charAt(3) === delimiters.field));
    const message = Hl7Message.parse(valid.join('\r'));
    return new MessageReader(message, delimiters, charset, lines.length - valid.length);
  }

  get msh(): SegmentView {
    const first = this.segments[0];
    if (!first || first.name !== 'MSH') throw new Error('message without MSH');
    return first;
  }

  all(name: string): SegmentView[] {
    return this.segments.filter((s) => s.name === name);
  }

  first(name: string): SegmentView | undefined {
    return this.segments.find((s) => s.name === name);
  }
}

export class SegmentView {
  readonly name: string;
  /** 1-based occurrence of this segment id in the message (ERR-2 "segment sequence"). */
  readonly sequence: number;

  constructor(
    readonly segment: Hl7Segment,
    sequence: number,
    private readonly d: Hl7Delimiters,
    private readonly charset: Hl7Charset,
  ) {
    this.name = segment.name;
    this.sequence = sequence;
  }

  /** ERR-2 style location of field n: `PID^1^3`. */
  location(n: number): string {
    return `${this.name}^${this.sequence}^${n}`;
  }

  private readonly cache = new Map<number, Repetition[]>();

  /** The repetitions of field n (empty repetitions kept, so indexes stay HL7's). */
  repetitions(n: number): Repetition[] {
    let reps = this.cache.get(n);
    if (!reps) {
      const f = this.rawField(n);
      reps = f ? f.components.map((comps, i) => new Repetition(comps, this.d, this.charset, i + 1)) : [];
      this.cache.set(n, reps);
    }
    return reps;
  }

  /** Unescaped, trimmed value of field n, component c, subcomponent s, repetition r (1-based). */
  value(n: number, c = 1, s = 1, r = 1): string {
    return this.repetitions(n)[r - 1]?.value(c, s) ?? '';
  }

  /** Field n as one unescaped, trimmed string, delimiters included (for ST fields such as MSH-10). */
  text(n: number): string {
    const raw = this.rawField(n)?.toString() ?? '';
    return unescapeHl7(raw, this.d, { hexCharset: this.charset === 'UTF-8' ? 'utf8' : 'latin1' }).trim();
  }

  /** True when field n has any non-empty content. */
  has(n: number): boolean {
    return this.repetitions(n).some((r) => !r.isEmpty());
  }

  private rawField(n: number): Hl7Field | undefined {
    // medplum: MSH-1/2 are synthesised; other indexes may be past the end (undefined).
    const f = this.segment.getField(n) as Hl7Field | undefined;
    return f;
  }
}

export class Repetition {
  constructor(
    private readonly comps: string[],
    private readonly d: Hl7Delimiters,
    private readonly charset: Hl7Charset,
    /** 1-based repetition number within its field (ERR-2 field repetition). */
    readonly index = 1,
  ) {}

  value(c = 1, s = 1): string {
    let raw = this.comps[c - 1] ?? '';
    if (raw === '') return '';
    // Fast paths first: most leaves have no subcomponent and no escape.
    if (raw.includes(this.d.subcomponent)) raw = raw.split(this.d.subcomponent)[s - 1] ?? '';
    else if (s > 1) return '';
    const trimmed = raw.trim();
    // `""` is HL7's explicit null: for a snapshot of the record it reads as "no value".
    if (trimmed === '""') return '';
    if (!trimmed.includes(this.d.escape)) return trimmed;
    return unescapeHl7(raw, this.d, { hexCharset: this.charset === 'UTF-8' ? 'utf8' : 'latin1' }).trim();
  }

  /** All subcomponents of component c, unescaped. */
  subcomponents(c: number): string[] {
    const raw = this.comps[c - 1] ?? '';
    return raw.split(this.d.subcomponent).map((_, i) => this.value(c, i + 1));
  }

  isEmpty(): boolean {
    return this.comps.every((c) => c.trim() === '' || c.trim() === '""');
  }
}

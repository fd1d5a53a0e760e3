import { encodeText, type Hl7Charset, type UnmappablePolicy } from '../../../hl7/charset.js';
import type { DocumentMessageInput } from '../../../hl7/document-input.js';
import { buildMdmT02 } from '../../../hl7/mdm-t02.js';
import { buildOruR01 } from '../../../hl7/oru-r01.js';
import type { Hl7BuildOptions } from '../../../hl7/segments.js';
import { buildHprim, safeBaseName, type HprimBuildOptions } from './hprim.js';
import { buildEhrJson, type EhrJsonOptions } from './json.js';

/**
 * One entry point from a document input to bytes for any EHR format. Formats and transports
 * are independent: an HL7 message can go over MLLP, HTTP or a file drop; HPRIM files usually
 * go to a file drop; JSON usually over HTTP.
 */
export const EHR_FORMATS = ['hl7-oru', 'hl7-mdm', 'hprim', 'json'] as const;
export type EhrFormat = (typeof EHR_FORMATS)[number];

export interface RenderOptions {
  /** HL7 builder options (charset, delimiters, authorities...). `now` and `timeZone` below win. */
  hl7?: Omit<Hl7BuildOptions, 'now' | 'timeZone'>;
  hprim?: Omit<HprimBuildOptions, 'now' | 'timeZone'>;
  json?: Omit<EhrJsonOptions, 'now'>;
  now?: Date;
  timeZone?: string;
  /**
   * For ISO-8859-1 output (HL7 with charset ISO-8859-1, HPRIM by default). Default
   * `substitute` (transliterate, then `?`), so an "œ" cannot make a document undeliverable;
   * `error` makes it a permanent failure instead.
   */
  onUnmappable?: UnmappablePolicy;
}

export interface EhrFile {
  name: string;
  bytes: Buffer;
}

export interface RenderedEhrPayload {
  format: EhrFormat;
  /** The transaction's id (MSH-10 for HL7, file base name, JSON transactionId). */
  controlId: string;
  /** Media type of `main.bytes`, with charset. */
  mediaType: string;
  charset: Hl7Charset;
  /** The message or the main file (`.hl7`, `.HPR`, `.json`). */
  main: EhrFile;
  /** Files that travel with the main one (the document next to an `.HPR`). */
  attachments: EhrFile[];
}

export function renderForEhr(format: EhrFormat, input: DocumentMessageInput, opts: RenderOptions = {}): RenderedEhrPayload {
  const base = safeBaseName(input.controlId);
  const onUnmappable = opts.onUnmappable ?? 'substitute';
  switch (format) {
    case 'hl7-oru':
    case 'hl7-mdm': {
      const hl7Opts: Hl7BuildOptions = { ...opts.hl7, now: opts.now, timeZone: opts.timeZone };
      const text = format === 'hl7-oru' ? buildOruR01(input, hl7Opts) : buildMdmT02(input, hl7Opts);
      const charset = hl7Opts.charset ?? 'UTF-8';
      return {
        format,
        controlId: input.controlId,
        mediaType: `application/hl7-v2; charset=${charset}`,
        charset,
        main: { name: `${base}.hl7`, bytes: encodeText(text, charset, { onUnmappable }) },
        attachments: [],
      };
    }
    case 'hprim': {
      const files = buildHprim(input, { onUnmappable, ...opts.hprim, now: opts.now, timeZone: opts.timeZone });
      const charset = opts.hprim?.charset ?? 'ISO-8859-1';
      return {
        format,
        controlId: input.controlId,
        mediaType: `application/x-hprim; charset=${charset}`,
        charset,
        main: { name: files.hprFileName, bytes: files.hpr },
        attachments: [{ name: files.documentFileName, bytes: files.document }],
      };
    }
    case 'json': {
      const doc = buildEhrJson(input, { ...opts.json, now: opts.now });
      return {
        format,
        controlId: input.controlId,
        mediaType: 'application/json; charset=UTF-8',
        charset: 'UTF-8',
        main: { name: `${base}.json`, bytes: Buffer.from(JSON.stringify(doc), 'utf8') },
        attachments: [],
      };
    }
  }
}

export { buildHprim, hprimFileNames, parseHprim, readHprimDocument, HPRIM_DELIMITERS, HPRIM_MAX_LINE } from './hprim.js';
export type { HprimBuildOptions, HprimFiles, ParsedHprim, HprimDocumentSummary } from './hprim.js';
export { buildEhrJson, ehrJsonDocumentSchema, EHR_JSON_FORMAT, type EhrJsonDocument, type EhrJsonOptions } from './json.js';
export type { DocumentMessageInput } from '../../../hl7/document-input.js';

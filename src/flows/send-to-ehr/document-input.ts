import { randomBytes } from 'node:crypto';
import type { Encounter, Patient } from '@medplum/fhirtypes';
import type { Config, EhrRouteConfig } from '../../config/config.js';
import type { DocumentContentType, DocumentMessageInput } from '../../hl7/document-input.js';
import { renderForEhr, type RenderedEhrPayload, type RenderOptions } from '../../partners/ehr/formats/index.js';
import { messagePreview } from './message-preview.js';

/** The stored transaction fields a message is built from. */
export interface TransactionForRender {
  control_id: string;
  client_name: string;
  content_type: string;
  loinc: string;
  title: string | null;
  sender_rpps: string | null;
  created_at: string;
}

/** Common LOINC document types, for OBX-3 / TXA-2 display text (the code alone is valid too). */
const LOINC_DISPLAY: Record<string, string> = {
  '11488-4': 'Consult note',
  '18842-5': 'Discharge summary',
  '11506-3': 'Progress note',
  '34133-9': 'Summary of episode note',
  '57833-6': 'Prescription for medication',
  '11502-2': 'Laboratory report',
  '18748-4': 'Diagnostic imaging study',
  '28570-0': 'Procedure note',
};

/**
 * The FHIR Patient/Encounter gathered from the EMR, the stored request and the document bytes,
 * as every format's input (hl7/document-input.ts).
 */
export function buildDocumentInput(
  tx: TransactionForRender,
  patient: Patient,
  encounter: Encounter | undefined,
  data: Buffer,
  route: EhrRouteConfig,
  ehr: Config['ehr'],
): DocumentMessageInput {
  return {
    controlId: tx.control_id,
    patient,
    ...(encounter ? { encounter } : {}),
    document: {
      contentType: tx.content_type as DocumentContentType,
      loinc: tx.loinc,
      ...(LOINC_DISPLAY[tx.loinc] ? { loincDisplay: LOINC_DISPLAY[tx.loinc] } : {}),
      title: tx.title ?? '',
      date: new Date(tx.created_at),
      data,
    },
    ...(tx.sender_rpps ? { author: { rpps: tx.sender_rpps } } : {}),
    // Lifen: without sender-identifier, "the by-default sender is the name of your application".
    sender: { application: tx.client_name || ehr.sendingApplication, facility: ehr.sendingFacility ?? ehr.sendingApplication },
    receiver: { application: route.receivingApplication, ...(route.receivingFacility ? { facility: route.receivingFacility } : {}) },
  };
}

/**
 * Renders for the route. `now` is the delivery's creation time, not the clock: every resend of
 * one delivery is then byte for byte the same message (MSH-7 included), not just the same MSH-10.
 */
export function renderForRoute(input: DocumentMessageInput, route: EhrRouteConfig, ehr: Config['ehr'], now: Date): RenderedForRoute {
  const opts = {
    now,
    timeZone: ehr.timeZone,
    onUnmappable: route.onUnmappable,
    ...(route.charset ? { hl7: { charset: route.charset }, hprim: { charset: route.charset } } : {}),
  };
  if ((route.format === 'hl7-oru' || route.format === 'hl7-mdm') && input.document.data.length >= SPLICE_FROM_BYTES) {
    const spliced = renderHl7Spliced(input, route.format, opts);
    if (spliced) return spliced;
  }
  return renderForEhr(route.format, input, opts);
}

/** The rendered payload; `preview` is set when it came for free (the spliced path). */
export type RenderedForRoute = RenderedEhrPayload & { preview?: string };

/** Below this, building the message as one string costs nothing worth avoiding. */
const SPLICE_FROM_BYTES = 256 * 1024;
/** Bytes of document encoded per step (a multiple of 3: no padding inside; its 96 KiB of base64 stays young garbage). */
const ENCODE_STEP = 3 * 24 * 1024;

/**
 * An HL7 message with a large document, built without the document inside any string: the
 * builder renders the message around a random marker in place of the data (its base64 is a
 * unique 64-character ASCII token), and the real base64 is written into the final buffer step
 * by step. Base64 is ASCII, so the bytes are the same in UTF-8 and ISO-8859-1. A 20 MB document
 * then costs one 27 MB buffer instead of five 27 MB strings and buffers (memory budget: 10x
 * the document for the whole request). Returns undefined (caller renders normally) if the
 * marker is not found exactly once.
 */
function renderHl7Spliced(input: DocumentMessageInput, format: 'hl7-oru' | 'hl7-mdm', opts: RenderOptions): RenderedForRoute | undefined {
  const markerBytes = randomBytes(48);
  const tokenText = markerBytes.toString('base64');
  const token = Buffer.from(tokenText, 'latin1');
  const small = renderForEhr(format, { ...input, document: { ...input.document, data: markerBytes } }, opts);
  const bytes = small.main.bytes;
  const at = bytes.indexOf(token);
  if (at < 0 || bytes.indexOf(token, at + 1) >= 0) return undefined;
  const data = input.document.data;
  const out = Buffer.allocUnsafe(bytes.length - token.length + 4 * Math.ceil(data.length / 3));
  bytes.copy(out, 0, 0, at);
  let o = at;
  for (let i = 0; i < data.length; i += ENCODE_STEP) o += out.write(data.subarray(i, i + ENCODE_STEP).toString('base64'), o, 'latin1');
  bytes.copy(out, o, at + token.length);
  // The preview of the small message, marker swapped for the placeholder: no scan of 27 MB.
  const preview = messagePreview(bytes, small.charset === 'UTF-8' ? 'utf8' : 'latin1').replace(tokenText, `<base64 elided: ${o - at} characters>`);
  return { ...small, main: { ...small.main, bytes: out }, preview };
}

import type { DocumentMessageInput } from './document-input.js';
import { TITLE_OBX_CODE } from './oru-r01.js';
import {
  authorXcn,
  buildContext,
  documentEi,
  edTypeFor,
  edValue,
  joinSegments,
  loincCe,
  mshSegment,
  pidSegment,
  pv1Segment,
  ts,
  type Hl7BuildOptions,
} from './segments.js';

/**
 * MDM^T02 (v2.5 ch. 9, "original document notification and content"): MSH, EVN, PID, PV1,
 * TXA, OBX. For EHRs that manage documents with their own identity (TXA-12) and lifecycle
 * (a later T10 replaces, T11 cancels the same TXA-12).
 *
 * In MDM every OBX is document content, so the title OBX is off unless asked for
 * (`titleObx: true`); the title then follows the ED OBX as OBX 2.
 */
export function buildMdmT02(input: DocumentMessageInput, opts: Hl7BuildOptions = {}): string {
  const ctx = buildContext(opts);
  const { w } = ctx;
  const docDate = ts(ctx, input.document.date);
  const author = authorXcn(ctx, input.author);
  const type = loincCe(ctx, input);
  const [edType] = edTypeFor(input.document.contentType, 'v2.5');

  const txa: string[] = [];
  txa[0] = '1'; // TXA-1
  txa[1] = w.esc(input.document.loinc); // TXA-2 document type
  txa[2] = edType; // TXA-3 content presentation (AP, IM, TX)
  txa[3] = docDate; // TXA-4 activity date/time
  txa[4] = author; // TXA-5 primary activity provider
  txa[5] = docDate; // TXA-6 origination date/time
  txa[8] = author; // TXA-9 originator
  txa[11] = documentEi(ctx, input); // TXA-12 unique document number
  txa[16] = 'AU'; // TXA-17 completion status: authenticated
  txa[18] = 'AV'; // TXA-19 availability: available

  const obx = (setId: string, valueType: string, code: string, value: string): string =>
    w.segment('OBX', [setId, valueType, code, '', value, '', '', '', '', '', 'F', '', '', docDate]);

  const segments = [
    mshSegment(ctx, input, ['MDM', 'T02', 'MDM_T02']),
    w.segment('EVN', ['T02', ts(ctx, ctx.now)]),
    pidSegment(ctx, input.patient),
    pv1Segment(ctx, input.encounter),
    w.segment('TXA', Array.from(txa, (f) => f ?? '')),
    obx('1', 'ED', type, edValue(ctx, input)),
  ];
  if (opts.titleObx === true) {
    const titleCode = w.comp(TITLE_OBX_CODE.code, TITLE_OBX_CODE.display, TITLE_OBX_CODE.system);
    segments.push(obx('2', 'TX', titleCode, w.esc(input.document.title)));
  }
  return joinSegments(segments);
}

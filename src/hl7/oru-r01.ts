import type { DocumentMessageInput } from './document-input.js';
import {
  authorNdl,
  authorXcn,
  buildContext,
  documentEi,
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
 * ORU^R01 (v2.5) carrying one document: MSH, PID, PV1, ORC, OBR, OBX (ED) [, OBX (TX) title].
 * Segments end with CR. See docs in segments.ts for each field; the structure follows the
 * ORU_R01 message structure (v2.5 ch. 7) and the ANS habits for PID-3 and the RPPS author.
 *
 * The title OBX (`OBX|2|TX|TITLE^Document title^L||<title>`) is on by default: receivers that
 * take "the first ED OBX" ignore it, and those that display results show the title.
 */
export const TITLE_OBX_CODE = { code: 'TITLE', display: 'Document title', system: 'L' } as const;

export function buildOruR01(input: DocumentMessageInput, opts: Hl7BuildOptions = {}): string {
  const ctx = buildContext(opts);
  const { w } = ctx;
  const docDate = ts(ctx, input.document.date);
  const authorFields = opts.authorFields ?? ['OBR-16', 'OBR-32'];
  const filler = documentEi(ctx, input);
  const type = loincCe(ctx, input);

  const orc = w.segment('ORC', [
    'RE', // ORC-1: observations to follow (unsolicited result)
    '', // ORC-2
    filler, // ORC-3 filler order number
    '', // ORC-4
    'CM', // ORC-5 order status: completed
    '', '', '', // ORC-6..8
    ts(ctx, ctx.now), // ORC-9 transaction date
  ]);

  const obr: string[] = [];
  obr[0] = '1'; // OBR-1
  obr[2] = filler; // OBR-3
  obr[3] = type; // OBR-4 universal service id = document type
  obr[6] = docDate; // OBR-7 observation date
  obr[15] = authorFields.includes('OBR-16') ? authorXcn(ctx, input.author) : ''; // OBR-16
  obr[21] = ts(ctx, ctx.now); // OBR-22 results report/status change
  obr[24] = 'F'; // OBR-25 result status: final
  obr[31] = authorFields.includes('OBR-32') ? authorNdl(ctx, input.author) : ''; // OBR-32

  const obx = (setId: string, valueType: string, code: string, value: string): string =>
    w.segment('OBX', [
      setId, // OBX-1
      valueType, // OBX-2
      code, // OBX-3
      '', // OBX-4
      value, // OBX-5
      '', '', '', '', '', // OBX-6..10
      'F', // OBX-11 final
      '', '', // OBX-12..13
      docDate, // OBX-14 observation date
    ]);

  const segments = [
    mshSegment(ctx, input, ['ORU', 'R01', 'ORU_R01']),
    pidSegment(ctx, input.patient),
    pv1Segment(ctx, input.encounter),
    orc,
    w.segment('OBR', Array.from(obr, (f) => f ?? '')),
    obx('1', 'ED', type, edValue(ctx, input)),
  ];
  if (opts.titleObx ?? true) {
    const titleCode = w.comp(TITLE_OBX_CODE.code, TITLE_OBX_CODE.display, TITLE_OBX_CODE.system);
    segments.push(obx('2', 'TX', titleCode, w.esc(input.document.title)));
  }
  return joinSegments(segments);
}

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { sampleInput, samplePdf } from '../../hl7/test-helpers/sample-input.js';
import { renderForEhr } from '../../partners/ehr/formats/index.js';
import { renderForRoute } from './document-input.js';
import { messagePreview } from './message-preview.js';

/** The large-document path (document spliced into the rendered bytes) is byte for byte the builder's output. */
describe('rendering a large document for an HL7 route', () => {
  const ehr = loadConfig({}).ehr;
  const now = new Date('2026-03-01T10:00:00Z');
  for (const format of ['hl7-oru', 'hl7-mdm'] as const) {
    for (const charset of ['UTF-8', 'ISO-8859-1'] as const) {
      it(`${format} ${charset}: identical to the builder's message`, () => {
        const route = { ...ehr.routes.default!, format, charset };
        const data = samplePdf(1_000_001); // not a multiple of 3
        const input = { ...sampleInput(), document: { ...sampleInput().document, data } };
        const spliced = renderForRoute(input, route, ehr, now);
        const plain = renderForEhr(format, input, { now, timeZone: ehr.timeZone, onUnmappable: route.onUnmappable, hl7: { charset } });
        expect(spliced.main.bytes.equals(plain.main.bytes)).toBe(true);
        expect(spliced.main.name).toBe(plain.main.name);
        expect(spliced.preview).toBe(messagePreview(plain.main.bytes, charset === 'UTF-8' ? 'utf8' : 'latin1'));
      });
    }
  }
});

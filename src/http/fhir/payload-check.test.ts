import { describe, expect, it } from 'vitest';
import { makePdf } from '../../flows/send-to-ehr/test-helpers/engine-harness.js';
import { FhirError } from './fhir-error.js';
import { checkPayload } from './payload-check.js';

/**
 * A "PDF" must be one from its first byte to its last kilobyte (issue 6, item 16): a file that
 * only carries a PDF header somewhere in its first kilobyte is an HTML page or a ZIP archive to a
 * browser or an unzip tool, and would be stored and delivered to the hospital as a PDF.
 */
const MAX = 1024 * 1024;
const b64 = (b: Buffer) => b.toString('base64');

function refusal(bytes: Buffer): FhirError {
  try {
    checkPayload(b64(bytes), 'application/pdf', MAX);
  } catch (e) {
    if (e instanceof FhirError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('PDF payload: header at offset 0 and %%EOF trailer', () => {
  it('accepts real PDFs (pdf-lib, several pages, trailing whitespace after %%EOF)', async () => {
    for (const pdf of [await makePdf('one'), await makePdf('three', 3), Buffer.concat([await makePdf('ws'), Buffer.from('\r\n\n \t')])]) {
      expect(checkPayload(b64(pdf), 'application/pdf', MAX).size).toBe(pdf.length);
    }
  });

  it('refuses an HTML polyglot (markup before %PDF-)', async () => {
    const html = Buffer.concat([Buffer.from('<html><script>alert(document.cookie)</script>'), await makePdf('html')]);
    const e = refusal(html);
    expect(e.status).toBe(422);
    expect(e.outcome.issue?.[0]?.diagnostics).toBe('payload is declared application/pdf but is not a PDF (%PDF- at the start)');
    expect(e.outcome.issue?.[0]?.expression).toEqual(['Parameters.parameter[payload]']);
  });

  it('refuses a ZIP local file header followed by a PDF', async () => {
    const zipHeader = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00]);
    expect(refusal(Buffer.concat([zipHeader, await makePdf('zip')])).status).toBe(422);
  });

  it('refuses a PDF header with no %%EOF in the last 1024 bytes (truncated, or another file appended)', async () => {
    const pdf = await makePdf('cut');
    const e = refusal(pdf.subarray(0, pdf.lastIndexOf('%%EOF')));
    expect(e.status).toBe(422);
    expect(e.outcome.issue?.[0]?.diagnostics).toMatch(/no %%EOF trailer in its last 1024 bytes/);
    // %%EOF present, but followed by more than 1 KB of something else (an archive appended).
    expect(refusal(Buffer.concat([pdf, Buffer.alloc(1100, 0x41)])).status).toBe(422);
    // The boundary: %%EOF whose last byte is the 1024th from the end is still found.
    expect(checkPayload(b64(Buffer.concat([pdf, Buffer.alloc(1024 - 5 - 1, 0x20)])), 'application/pdf', MAX).size).toBeGreaterThan(0);
  });

  it('does not apply the PDF trailer rule to other types', () => {
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(3000, 1)]);
    expect(checkPayload(b64(jpeg), 'image/jpeg', MAX).size).toBe(jpeg.length);
  });
});

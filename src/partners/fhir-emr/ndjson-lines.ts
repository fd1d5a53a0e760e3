/**
 * Splits a byte stream into NDJSON lines as chunks arrive, holding at most one partial line,
 * so an export file of any size is read in constant memory
 * (https://hl7.org/fhir/uv/bulkdata/export.html#bulk-data-output-file-request: one resource
 * per line). Accepts LF and CRLF; blank lines are skipped.
 */
export async function* ndjsonLines(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending = '';
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const line = pending.slice(0, nl).replace(/\r$/, '');
      pending = pending.slice(nl + 1);
      if (line.trim() !== '') yield line;
      nl = pending.indexOf('\n');
    }
  }
  pending += decoder.decode();
  if (pending.trim() !== '') yield pending.replace(/\r$/, '');
}

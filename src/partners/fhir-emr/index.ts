export { FhirReader, type BulkExportOptions, type FhirReaderOptions } from './fhir-reader.js';
export { authMessage, PARTNER as FHIR_EMR_PARTNER } from './fhir-http.js';
export { ndjsonLines } from './ndjson-lines.js';
export { FhirEmrWriter, type FhirEmrWriterOptions } from './fhir-emr-writer.js';

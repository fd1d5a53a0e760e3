/**
 * Column mapping for bulk import (isomorphic: browser and Node).
 * Pipeline: CSV cells → compiled template → flat ImportRecord → ../validation.
 */
export { compileMapping, applyMapping } from './apply-mapping.js';
export type { CompiledMapping, MappingIssue, MappingResult } from './apply-mapping.js';
export {
  DATE_FORMATS, checkIsoDate, checkIsoDateTime, isValidTimeZone, parseDate, parseTime, todayIsoDate,
  zonedDateTimeToIso,
} from './dates.js';
export type { DateFormat } from './dates.js';
export { APPOINTMENT_TYPES, FIELD_CATALOGUE, FIELD_TYPES, SEX_VALUES, fieldDefinition } from './fields.js';
export type {
  AppointmentFieldKey, AppointmentType, ContactFieldKey, FieldDefinition, FieldRequirement, FieldType, Sex,
} from './fields.js';
export { fieldValue } from './import-record.js';
export type { ImportRecord } from './import-record.js';
export { duplicateColumns, findColumnIndex, normaliseHeader } from './normalise-header.js';
export { DEFAULT_EMR_ID_METADATA_KEY, ONCALL_LIMITS } from './oncall-limits.js';
export { PHONE_COUNTRIES, countDigits, normalisePhone } from './phone.js';
export type { PhoneCountry } from './phone.js';
export { detectDateFormat, suggestMapping } from './suggest-mapping.js';
export type { MappingSuggestion, SuggestedMatch } from './suggest-mapping.js';
export { mappingTemplateSchema, parseMappingTemplate, templateColumns } from './template.js';
export type { FieldMapping, MappingOptions, MappingTemplate, TemplateParseResult, Transform, TransformType } from './template.js';
export {
  APPOINTMENT_TYPE_VALUE_MAP, MAPPING_ISSUE_CODES, SEX_VALUE_MAP, compileTransforms, splitName, valueMapKey,
} from './transforms.js';
export type { MappingIssueCode, TransformFailure } from './transforms.js';

/** An HL7 v2 EMR written to over MLLP by the sync back from a platform (issue 9). */
export { Hl7EmrWriter, type Hl7WriteOptions } from './hl7-emr-writer.js';
export { hl7EmrSettings, parseHostPort, Hl7EmrSettingsError, HL7_EMR_DEFAULTS, HL7_EMR_ENV, type Hl7EmrOptions } from './settings.js';
export { buildAdt, type AdtEvent, type AdtInput } from './adt.js';
export { buildSiu, fillerStatusOf, SIU_EVENT_BY_CHANGE, type SiuInput, type SiuPatient } from './siu.js';
export { HL7_EMR_VERSION, ONCALL_AUTHORITY, partiesOf, type BuiltMessage, type Hl7Parties } from './message-header.js';
export { derivedPatientKey } from './record-keys.js';
export { Hl7EmrAckError } from './ack-outcome.js';
export { HL7_EMR_PARTNER } from './content-checks.js';

export { OncallPlatformSource, type OncallPlatformSourceDeps } from './oncall-platform-source.js';
export { oncallHookDecoder, oncallScanDecoder } from './decoders.js';
export {
  appointmentStatusOf,
  appointmentToCanonical,
  contactToCanonical,
  genderOf,
  humanName,
  NOSHOW_METADATA_KEY,
  PATIENT_EMR_ID_METADATA_KEY,
  type OncallReadOptions,
} from './to-canonical.js';

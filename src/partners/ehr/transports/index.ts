import type { RenderedEhrPayload } from '../formats/index.js';
import { deliverToDirectory, type FileDropDelivery, type FileDropOptions } from './file-drop.js';
import { deliverOverHttp, type HttpDelivery, type HttpTransportOptions } from './http.js';
import { deliverOverMllp, type MllpDelivery, type MllpTransportOptions } from './mllp.js';

/**
 * An EHR's delivery endpoint, as configured per hospital. Every failure is a PartnerError
 * (transient | ambiguous | permanent | auth) for the caller's retry policy.
 */
export type EhrTransportConfig =
  | ({ transport: 'mllp' } & MllpTransportOptions)
  | ({ transport: 'file' } & FileDropOptions)
  | ({ transport: 'http' } & HttpTransportOptions);

export type EhrDelivery = MllpDelivery | FileDropDelivery | HttpDelivery;

export function deliverToEhr(config: EhrTransportConfig, payload: RenderedEhrPayload): Promise<EhrDelivery> {
  switch (config.transport) {
    case 'mllp':
      return deliverOverMllp(config, payload);
    case 'file':
      return deliverToDirectory(config, payload);
    case 'http':
      return deliverOverHttp(config, payload);
  }
}

export { deliverOverMllp, interpretAck, EhrAckError, type MllpDelivery, type MllpTransportOptions } from './mllp.js';
export { deliverToDirectory, markerNameFor, type FileDropDelivery, type FileDropOptions } from './file-drop.js';
export { deliverOverHttp, classifyStatus, EhrHttpError, type HttpDelivery, type HttpTransportOptions } from './http.js';

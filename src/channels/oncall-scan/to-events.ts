import type { ChannelDecoder } from '../../flows/sync/to-events.js';

/**
 * The decoder of `oncall-scan` messages (register it under SCAN_CHANNEL in the sync setup):
 * the stored record as listed becomes one platform-record event that carries it, so the EMR
 * target does not GET it again. A contact is a patient.
 */
export const oncallScanDecoder: ChannelDecoder = (m) => {
  if (m.event !== 'contact' && m.event !== 'appointment') return { kind: 'refused', reason: `unknown scan record kind "${m.event.slice(0, 40)}"` };
  let record: unknown;
  try {
    record = JSON.parse(m.raw.toString('utf8'));
  } catch {
    return { kind: 'refused', reason: 'the stored record is not JSON' };
  }
  const url = record && typeof record === 'object' ? (record as { url?: unknown }).url : undefined;
  if (typeof url !== 'string' || url === '') return { kind: 'refused', reason: 'the stored record has no url' };
  return {
    kind: 'events',
    events: [{ type: 'platform-record', system: 'oncall', kind: m.event === 'contact' ? 'patient' : 'appointment', id: url, record, via: 'scan' }],
    warnings: [],
  };
};

import { appointmentUrlUnder } from '../../../../channels/oncall-hook/appointment-url.js';
import { ONCALL_HOOK_EVENTS } from '../../../../channels/oncall-hook/to-message.js';
import type { PlatformRecordEvent } from '../../platform-events.js';
import type { ChannelDecoder, Decoded } from '../../to-events.js';

/**
 * How the OnCall channels' stored messages become `platform-record` events (design.md, issue 9):
 * - `oncall-hook`: the webhook body `{"event", "url"}` -> the appointment to GET (no record: the
 *   body never says what changed);
 * - `oncall-scan`: one listed record (raw = its JSON, event `contact` | `appointment`) -> the
 *   record itself, so processing needs no call to read it.
 * Bytes that cannot be read are refused (the message is rejected, not retried).
 */

function parseObject(raw: Buffer): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(raw.toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** `…/appointments/7` and `…/appointments/7/` are one record: object URLs end with a slash (partner-apis.md). */
function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/**
 * The webhook decoder. `baseUrl` (the configured OnCall base) re-roots the URL exactly as the
 * receiver keyed the message (src/channels/oncall-hook/appointment-url.ts), so a delivery naming
 * `localhost` and one naming `127.0.0.1` are one record; without it (or when the base is not
 * known) the URL is taken as stored, with its trailing slash.
 */
export function oncallHookDecoder(baseUrl?: () => string): ChannelDecoder {
  return (m): Decoded => {
    const body = parseObject(m.raw);
    if (!body) return { kind: 'refused', reason: 'The webhook body is not a JSON object' };
    const event = body.event;
    const url = body.url;
    if (typeof event !== 'string' || !(ONCALL_HOOK_EVENTS as readonly string[]).includes(event)) return { kind: 'refused', reason: 'The webhook event is not appointment_created or appointment_updated' };
    if (typeof url !== 'string' || !url) return { kind: 'refused', reason: 'The webhook has no url' };
    let id = withTrailingSlash(url);
    if (baseUrl) {
      let base: string | undefined;
      try {
        base = baseUrl();
      } catch {
        base = undefined;
      }
      if (base) {
        const canonical = appointmentUrlUnder(base, url);
        // Checked on arrival; a base changed since then makes it another account's appointment.
        if (!canonical) return { kind: 'refused', reason: 'The webhook url is not an appointment of the configured OnCall account' };
        id = canonical;
      }
    }
    const ev: PlatformRecordEvent = { type: 'platform-record', system: 'oncall', kind: 'appointment', id, via: event };
    return { kind: 'events', events: [ev], warnings: [] };
  };
}

/** The scan decoder: `event` says what was listed; the record is handed on as listed. */
export const oncallScanDecoder: ChannelDecoder = (m): Decoded => {
  if (m.event !== 'contact' && m.event !== 'appointment') return { kind: 'refused', reason: 'The scan message is neither a contact nor an appointment' };
  const record = parseObject(m.raw);
  if (!record) return { kind: 'refused', reason: `The scanned ${m.event} is not a JSON object` };
  if (typeof record.url !== 'string' || !record.url) return { kind: 'refused', reason: `The scanned ${m.event} has no url` };
  const ev: PlatformRecordEvent = {
    type: 'platform-record',
    system: 'oncall',
    kind: m.event === 'contact' ? 'patient' : 'appointment',
    id: record.url,
    record,
    via: 'scan',
  };
  return { kind: 'events', events: [ev], warnings: [] };
};

import { describe, expect, it } from 'vitest';
import { oncallHookDecoder, oncallScanDecoder } from './decoders.js';

const SANDBOX = 'http://127.0.0.1:3000/sandbox/oncall';
const hook = (body: unknown, event = 'appointment_created') => ({ channel: 'oncall-hook', event, raw: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) });

describe('oncallHookDecoder', () => {
  it('a delivery -> the appointment to GET, keyed as the receiver keyed it', () => {
    const d = oncallHookDecoder(() => SANDBOX)(hook({ event: 'appointment_updated', url: 'http://localhost:3000/sandbox/oncall/appointments/4' }));
    expect(d).toEqual({
      kind: 'events',
      warnings: [],
      events: [{ type: 'platform-record', system: 'oncall', kind: 'appointment', id: `${SANDBOX}/appointments/4/`, via: 'appointment_updated' }],
    });
    // Without the base: the URL as stored, with its trailing slash.
    const plain = oncallHookDecoder()(hook({ event: 'appointment_created', url: 'https://api.oncallhealth.ca/appointments/1' }));
    expect(plain.kind === 'events' && plain.events[0]).toMatchObject({ id: 'https://api.oncallhealth.ca/appointments/1/', via: 'appointment_created' });
    // OnCall not configured (the base throws): as stored.
    const noBase = oncallHookDecoder(() => {
      throw new Error('not configured');
    })(hook({ event: 'appointment_created', url: `${SANDBOX}/appointments/2/` }));
    expect(noBase.kind).toBe('events');
  });

  it('refuses bytes that are not a webhook', () => {
    const dec = oncallHookDecoder(() => SANDBOX);
    expect(dec(hook('not json'))).toMatchObject({ kind: 'refused' });
    expect(dec(hook([1, 2]))).toMatchObject({ kind: 'refused' });
    expect(dec(hook({ event: 'appointment_deleted', url: `${SANDBOX}/appointments/2/` }))).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/event/) });
    expect(dec(hook({ event: 'appointment_created' }))).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/url/) });
    // The base changed since the delivery was taken in: another account's appointment.
    expect(dec(hook({ event: 'appointment_created', url: 'https://api.oncallhealth.ca/appointments/2/' }))).toMatchObject({ kind: 'refused' });
  });
});

describe('oncallScanDecoder', () => {
  it('a listed contact or appointment -> the record itself, no GET needed', () => {
    const contact = { url: `${SANDBOX}/contacts/3/`, name: 'Jane Doe' };
    expect(oncallScanDecoder({ channel: 'oncall-scan', event: 'contact', raw: Buffer.from(JSON.stringify(contact)) })).toEqual({
      kind: 'events',
      warnings: [],
      events: [{ type: 'platform-record', system: 'oncall', kind: 'patient', id: contact.url, record: contact, via: 'scan' }],
    });
    const appt = { url: `${SANDBOX}/appointments/3/`, title: 'x' };
    const d = oncallScanDecoder({ channel: 'oncall-scan', event: 'appointment', raw: Buffer.from(JSON.stringify(appt)) });
    expect(d.kind === 'events' && d.events[0]).toMatchObject({ kind: 'appointment', id: appt.url, record: appt });
  });

  it('refuses bad JSON, a record without url, and an unknown event', () => {
    expect(oncallScanDecoder({ channel: 'oncall-scan', event: 'contact', raw: Buffer.from('{') })).toMatchObject({ kind: 'refused' });
    expect(oncallScanDecoder({ channel: 'oncall-scan', event: 'contact', raw: Buffer.from('{"name":"x"}') })).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/url/) });
    expect(oncallScanDecoder({ channel: 'oncall-scan', event: 'provider', raw: Buffer.from('{"url":"x"}') })).toMatchObject({ kind: 'refused' });
  });
});

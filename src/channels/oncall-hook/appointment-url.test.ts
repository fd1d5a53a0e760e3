import { describe, expect, it } from 'vitest';
import { appointmentUrlUnder } from './appointment-url.js';
import { embeddedWebhookTarget, oncallWebhookPath, oncallWebhookSecret } from './settings.js';
import { oncallSignatureValid, signOncallBody } from './signature.js';

const BASE = 'https://api.oncallhealth.ca';
const SANDBOX = 'http://127.0.0.1:3000/sandbox/oncall';

describe('appointmentUrlUnder (issue 9: a webhook url outside the configured account is refused)', () => {
  it('takes an appointment of the configured base, with or without the trailing slash, and keeps the canonical URL', () => {
    expect(appointmentUrlUnder(BASE, 'https://api.oncallhealth.ca/appointments/1/')).toBe('https://api.oncallhealth.ca/appointments/1/');
    // The guide's webhook example has no trailing slash.
    expect(appointmentUrlUnder(BASE, 'https://api.oncallhealth.ca/appointments/1')).toBe('https://api.oncallhealth.ca/appointments/1/');
    expect(appointmentUrlUnder(`${BASE}/`, 'https://API.oncallhealth.ca:443/appointments/42/')).toBe('https://api.oncallhealth.ca/appointments/42/');
    expect(appointmentUrlUnder(SANDBOX, 'http://127.0.0.1:3000/sandbox/oncall/appointments/7/')).toBe(`${SANDBOX}/appointments/7/`);
  });

  it('reads the loopback spellings of an embedded sandbox as one host, re-rooted on the base', () => {
    expect(appointmentUrlUnder(SANDBOX, 'http://localhost:3000/sandbox/oncall/appointments/7/')).toBe(`${SANDBOX}/appointments/7/`);
    expect(appointmentUrlUnder(SANDBOX, 'http://[::1]:3000/sandbox/oncall/appointments/7')).toBe(`${SANDBOX}/appointments/7/`);
    // Another port of the same machine is another service.
    expect(appointmentUrlUnder(SANDBOX, 'http://localhost:3001/sandbox/oncall/appointments/7/')).toBeNull();
    // Loopback allowance only when the base itself is loopback.
    expect(appointmentUrlUnder(BASE, 'https://localhost/appointments/1/')).toBeNull();
  });

  it.each([
    ['another host', 'https://api.oncallhealth.us/appointments/1/'],
    ['a look-alike host', 'https://api.oncallhealth.ca.evil.example/appointments/1/'],
    ['another scheme', 'http://api.oncallhealth.ca/appointments/1/'],
    ['another port', 'https://api.oncallhealth.ca:8443/appointments/1/'],
    ['credentials', 'https://user:pw@api.oncallhealth.ca/appointments/1/'],
    ['a query', 'https://api.oncallhealth.ca/appointments/1/?x=1'],
    ['a fragment', 'https://api.oncallhealth.ca/appointments/1/#x'],
    ['a climb out', 'https://api.oncallhealth.ca/appointments/../contacts/1/'],
    ['an encoded climb', 'https://api.oncallhealth.ca/appointments/%2e%2e/contacts/1/'],
    ['an encoded slash', 'https://api.oncallhealth.ca/appointments/1%2F2/'],
    ['a contact', 'https://api.oncallhealth.ca/contacts/1/'],
    ['the list', 'https://api.oncallhealth.ca/appointments/'],
    ['a sub-path', 'https://api.oncallhealth.ca/appointments/1/participants/'],
    ['a relative url', '/appointments/1/'],
    ['not a url', 'appointment 1'],
    ['a file url', 'file:///etc/passwd'],
    ['an internal address', 'http://169.254.169.254/appointments/1/'],
    ['a backslash', 'https://api.oncallhealth.ca\\appointments\\1'],
  ])('refuses %s', (_what, url) => {
    expect(appointmentUrlUnder(BASE, url)).toBeNull();
  });

  it('refuses a url outside the base path of a prefixed base', () => {
    expect(appointmentUrlUnder(SANDBOX, 'http://127.0.0.1:3000/appointments/7/')).toBeNull();
    expect(appointmentUrlUnder(SANDBOX, 'http://127.0.0.1:3000/sandbox/oncallx/appointments/7/')).toBeNull();
    expect(appointmentUrlUnder(SANDBOX, 'http://127.0.0.1:3000/sandbox/fhir-emr/appointments/7/')).toBeNull();
  });
});

describe('OnCall webhook signature (partner-apis.md: sha256=<hex HMAC-SHA256 of the raw body>)', () => {
  const raw = Buffer.from('{"event":"appointment_created","url":"https://api.oncallhealth.ca/appointments/1/"}');

  it('accepts the HMAC of the raw bytes, in either hex case', () => {
    const sig = signOncallBody(raw, 's3cret');
    expect(oncallSignatureValid(raw, sig, 's3cret')).toBe(true);
    expect(oncallSignatureValid(raw, `sha256=${sig.slice('sha256='.length).toUpperCase()}`, 's3cret')).toBe(true);
  });

  it('refuses a missing, malformed, truncated or wrong signature, and one over re-serialised bytes', () => {
    const sig = signOncallBody(raw, 's3cret');
    expect(oncallSignatureValid(raw, undefined, 's3cret')).toBe(false);
    expect(oncallSignatureValid(raw, '', 's3cret')).toBe(false);
    expect(oncallSignatureValid(raw, sig.replace('sha256=', ''), 's3cret')).toBe(false);
    expect(oncallSignatureValid(raw, sig.slice(0, -2), 's3cret')).toBe(false);
    expect(oncallSignatureValid(raw, signOncallBody(raw, 'other'), 's3cret')).toBe(false);
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(raw.toString()), null, 1));
    expect(oncallSignatureValid(reformatted, sig, 's3cret')).toBe(false);
  });
});

describe('webhook settings', () => {
  it('reads the path, refusing one that is not plain segments', () => {
    expect(oncallWebhookPath({})).toBe('/hooks/oncall');
    expect(oncallWebhookPath({ EHR_BRIDGE_ONCALL_WEBHOOK_PATH: '/in/oncall/' })).toBe('/in/oncall');
    expect(() => oncallWebhookPath({ EHR_BRIDGE_ONCALL_WEBHOOK_PATH: 'hooks' })).toThrow(/EHR_BRIDGE_ONCALL_WEBHOOK_PATH/);
    expect(() => oncallWebhookPath({ EHR_BRIDGE_ONCALL_WEBHOOK_PATH: '/hooks/:id' })).toThrow();
    expect(() => oncallWebhookPath({ EHR_BRIDGE_ONCALL_WEBHOOK_PATH: '/a/../b' })).toThrow();
  });

  it('embeddedWebhookTarget: the engine receiver, signed with the secret the receiver expects', () => {
    const t = embeddedWebhookTarget('http://127.0.0.1:3000/', {});
    expect(t.url).toBe('http://127.0.0.1:3000/hooks/oncall');
    // A random secret per process, the same one the receiver uses for the embedded sandbox.
    expect(t.secret.length).toBeGreaterThanOrEqual(32);
    expect(oncallWebhookSecret({}, true)).toBe(t.secret);
    expect(embeddedWebhookTarget('http://127.0.0.1:3000', {}).secret).toBe(t.secret);
    // A real account without a configured secret is not verified; a configured one wins everywhere.
    expect(oncallWebhookSecret({}, false)).toBeUndefined();
    expect(embeddedWebhookTarget('http://h:1', { ONCALL_WEBHOOK_SECRET: 'mine', EHR_BRIDGE_ONCALL_WEBHOOK_PATH: '/x' })).toEqual({ url: 'http://h:1/x', secret: 'mine' });
    expect(oncallWebhookSecret({ ONCALL_WEBHOOK_SECRET: 'mine' }, false)).toBe('mine');
  });
});

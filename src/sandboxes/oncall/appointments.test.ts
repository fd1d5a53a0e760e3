import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appointmentBody, startSandbox, type RunningSandbox } from './test-harness.js';

function participants(n: number) {
  return Array.from({ length: n }, (_, i) => ({ name: `Person ${i}`, email: `p${i}@example.com`, fee: 10 }));
}

describe('oncall sandbox: appointments and participants', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(async () => sb.close());

  it('creates an appointment with participants, default provider and UTC datetime', async () => {
    const res = await sb.call('POST', '/appointments/', appointmentBody(sb.base, {
      datetime: '2030-01-15T10:00:00-05:00',
      metadata: { patient_emr_id: '12345' },
    }));
    expect(res.status).toBe(201);
    const a = res.body;
    expect(a).toMatchObject({
      title: 'Follow-up',
      datetime: '2030-01-15T15:00:00Z',
      duration: 30,
      type: 'online',
      status: 'Upcoming',
      cancelled: false,
      division: `${sb.base}/divisions/1/`,
      provider: `${sb.base}/providers/1/`,
      metadata: { patient_emr_id: '12345' },
    });
    expect(a.url).toMatch(new RegExp(`^${sb.base}/appointments/\\d+/$`));
    expect(a.participants).toHaveLength(1);
    expect(a.participants[0]).toMatchObject({
      appointment: a.url,
      name: 'Test Patient',
      first_name: 'Test',
      last_name: 'Patient',
      email: 'test.patient@example.com',
      fee: 10,
      cancelled: false,
    });
    expect(Object.keys(a.participants[0])).toEqual(['url', 'appointment', 'name', 'first_name', 'last_name', 'email', 'fee', 'cancelled', 'user_id']);
    expect((await sb.call('GET', new URL(a.url).pathname.replace('/oncall', ''))).body).toEqual(a);
  });

  it('requires the documented fields; datetime may be omitted only for message appointments', async () => {
    const empty = await sb.call('POST', '/appointments/', {});
    expect(Object.keys(empty.body).sort()).toEqual(['division', 'duration', 'participants', 'title', 'type']);
    const noDate = await sb.call('POST', '/appointments/', appointmentBody(sb.base, { datetime: undefined }));
    expect(noDate.body).toEqual({ datetime: ['This field is required.'] });
    const message = await sb.call('POST', '/appointments/', appointmentBody(sb.base, { datetime: undefined, type: 'message' }));
    expect(message.status).toBe(201);
    expect(message.body.datetime).toBeNull();
    const bad = await sb.call('POST', '/appointments/', appointmentBody(sb.base, { type: 'video', duration: 0, datetime: '2030-13-01T00:00:00Z' }));
    expect(Object.keys(bad.body).sort()).toEqual(['datetime', 'duration', 'type']);
    const wrongProvider = await sb.call('POST', '/appointments/', appointmentBody(sb.base, { provider: `${sb.base}/providers/4/` }));
    expect(wrongProvider.body.provider).toHaveLength(1);
  });

  it('accepts 25 participants and refuses 26 with nothing created', async () => {
    const before = (await sb.admin('GET', 'stats')).body.appointments;
    const ok = await sb.call('POST', '/appointments/', appointmentBody(sb.base, { participants: participants(25) }));
    expect(ok.status).toBe(201);
    expect(ok.body.participants).toHaveLength(25);
    const tooMany = await sb.call('POST', '/appointments/', appointmentBody(sb.base, { participants: participants(26) }));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toEqual({ participants: ['Ensure this field has no more than 25 elements.'] });
    expect((await sb.admin('GET', 'stats')).body.appointments).toBe(before + 1);
    const none = await sb.call('POST', '/appointments/', appointmentBody(sb.base, { participants: [] }));
    expect(none.body).toEqual({ participants: ['This list may not be empty.'] });
  });

  it('reports participant errors aligned with the submitted list', async () => {
    const res = await sb.call('POST', '/appointments/', appointmentBody(sb.base, {
      participants: [{ name: 'Fine', email: 'fine@example.com', fee: 1 }, { email: 'not-an-email', fee: 'abc' }],
    }));
    expect(res.status).toBe(400);
    expect(res.body.participants[0]).toEqual({});
    expect(Object.keys(res.body.participants[1]).sort()).toEqual(['email', 'fee', 'name']);
  });

  it('enforces the metadata limits', async () => {
    const post = (metadata: unknown) => sb.call('POST', '/appointments/', appointmentBody(sb.base, { metadata }));
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    expect((await post(fifty)).status).toBe(201);
    expect((await post({ ...fifty, k50: 1 })).status).toBe(400);
    expect((await post({ ['k'.repeat(100)]: 'v' })).status).toBe(201);
    expect((await post({ ['k'.repeat(101)]: 'v' })).status).toBe(400);
    expect((await post({ s: 'x'.repeat(2000), b: true, n: null, i: -2147483648 })).status).toBe(201);
    for (const bad of [{ s: 'x'.repeat(2001) }, { i: 2147483648 }, { f: 1.5 }, { nested: { a: 1 } }, { list: [1] }, ['a'], 'text']) {
      const res = await post(bad);
      expect(res.status).toBe(400);
      expect(res.body.metadata).toHaveLength(1);
    }
  });

  it('patches an appointment and a participant; participants have no list endpoint', async () => {
    const created = (await sb.call('POST', '/appointments/', appointmentBody(sb.base))).body;
    const path = new URL(created.url).pathname.replace('/oncall', '');
    const patched = await sb.call('PATCH', path, { cancelled: true, metadata: { emr: 'A1' } });
    expect(patched.body).toMatchObject({ cancelled: true, status: 'Cancelled', metadata: { emr: 'A1' }, title: 'Follow-up' });
    expect((await sb.call('PATCH', path, { participants: [] })).status).toBe(400);
    expect((await sb.call('PATCH', path, { type: 'message', datetime: null })).body.datetime).toBeNull();

    const pPath = new URL(created.participants[0].url).pathname.replace('/oncall', '');
    const p = await sb.call('PATCH', pPath, { email: 'new.address@example.com', fee: '12.50', cancelled: true });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ url: created.participants[0].url, appointment: created.url, email: 'new.address@example.com', fee: 12.5, cancelled: true });
    expect((await sb.call('PATCH', pPath, { email: '' })).body).toEqual({ email: ['This field may not be blank.'] });
    expect((await sb.call('GET', path)).body.participants[0].email).toBe('new.address@example.com');

    expect((await sb.call('GET', '/participants/')).status).toBe(404);
    expect((await sb.call('PATCH', '/participants/999999/', { fee: 1 })).status).toBe(404);
  });

  it('paginates the appointment list', async () => {
    const page = await sb.call('GET', '/appointments/?page_size=2');
    expect(page.body.count).toBeGreaterThan(2);
    expect(page.body.results).toHaveLength(2);
    expect(page.body.next).toBe(`${sb.base}/appointments/?page=2&page_size=2`);
  });
});

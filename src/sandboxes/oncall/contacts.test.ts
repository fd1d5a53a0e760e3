import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, contactBody, rawRequest, startSandbox, type RunningSandbox } from './test-harness.js';

describe('oncall sandbox: roster contacts', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startSandbox({}, '/sandbox/oncall');
  });
  afterAll(async () => sb.close());

  it('creates a contact from relation URLs of any host and renders URLs from the served base', async () => {
    const res = await sb.call('POST', '/contacts/', {
      ...contactBody('https://api.oncallhealth.ca'),
      custom_field_values: { '1': 'EMR-42', '3': true },
      date_of_birth: '1980-01-02',
      phone: '1234567890',
    });
    expect(res.status).toBe(201);
    const c = res.body;
    expect(c.url).toBe(`${sb.base}/contacts/${c.id}/`);
    expect(c.division).toBe(`${sb.base}/divisions/1/`);
    expect(c.provider).toBe(`${sb.base}/providers/1/`);
    expect(c.appointments).toBe(`${sb.base}/contacts/${c.id}/appointments/`);
    expect(c).toMatchObject({ name: 'Jane Doe', sex: 'female', date_of_birth: '1980-01-02', notes: null });
    expect(c.custom_field_names).toEqual({ '1': 'EMR id', '3': 'Has submitted forms?' });
    expect(c.custom_field_values).toEqual({ '1': 'EMR-42', '3': true });

    const read = await sb.call('GET', `/contacts/${c.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(c);
  });

  it('derives name from first/last, defaults sex to Unknown, and requires division, provider and a name', async () => {
    const derived = await sb.call('POST', '/contacts/', contactBody(sb.base, { name: undefined, sex: undefined }));
    expect(derived.status).toBe(201);
    expect(derived.body).toMatchObject({ name: 'Jane Doe', sex: 'Unknown' });

    const missing = await sb.call('POST', '/contacts/', {});
    expect(missing.status).toBe(400);
    expect(missing.body.division).toEqual(['This field is required.']);
    expect(missing.body.provider).toEqual(['This field is required.']);
    expect(missing.body.name).toHaveLength(1);
  });

  it('rejects bad fields with Django-REST messages that never echo the submitted values', async () => {
    const res = await sb.call('POST', '/contacts/', {
      ...contactBody(sb.base),
      email: 'secret-not-an-email',
      sex: 'secret-sex-value',
      date_of_birth: '1999-02-30',
      provider: `${sb.base}/providers/3/`, // not a member of division 1
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body).sort()).toEqual(['date_of_birth', 'email', 'provider', 'sex']);
    expect(res.body.email).toEqual(['Enter a valid email address.']);
    expect(JSON.stringify(res.body)).not.toMatch(/secret/);

    const badLinks = await sb.call('POST', '/contacts/', contactBody(sb.base, { division: `${sb.base}/providers/1/`, provider: `${sb.base}/providers/999/` }));
    expect(badLinks.body).toEqual({
      division: ['Invalid hyperlink - Incorrect URL match.'],
      provider: ['Invalid hyperlink - Object does not exist.'],
    });
  });

  it('validates custom fields against the active fields of the contact division', async () => {
    const res = await sb.call('POST', '/contacts/', contactBody(sb.base, {
      custom_field_values: { '1': true, '3': 'yes', '4': 'deactivated', '2': 'other division', '1000': 'x' },
    }));
    expect(res.status).toBe(400);
    const errors = res.body.custom_field_values;
    expect(Object.keys(errors).sort()).toEqual(['1', '1000', '2', '3', '4']);
    expect(errors['4'][0]).toMatch(/No active custom field/);

    const tooLong = await sb.call('POST', '/contacts/', contactBody(sb.base, { custom_field_values: { '1': 'x'.repeat(256) } }));
    expect(tooLong.body.custom_field_values['1']).toEqual(['Ensure this field has no more than 255 characters.']);

    const nullBody = await sb.call('POST', '/contacts/', 'null');
    expect(nullBody.body).toEqual({ non_field_errors: ['Invalid data. Expected a dictionary.'] });

    const notMap = await sb.call('POST', '/contacts/', contactBody(sb.base, { custom_field_values: ['1'] }));
    expect(notMap.status).toBe(400);
  });

  it('patches only the given keys and merges custom field values', async () => {
    const created = await sb.call('POST', '/contacts/', contactBody(sb.base, { email: 'patch.me@example.com', custom_field_values: { '1': 'A' } }));
    const id = created.body.id;
    const patched = await sb.call('PATCH', `/contacts/${id}/`, { phone: '5550001', custom_field_values: { '3': false } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ phone: '5550001', name: 'Jane Doe', email: 'patch.me@example.com' });
    expect(patched.body.custom_field_values).toEqual({ '1': 'A', '3': false });

    const blank = await sb.call('PATCH', `/contacts/${id}/`, { name: '  ' });
    expect(blank.body).toEqual({ name: ['This field may not be blank.'] });
    expect((await sb.call('PATCH', '/contacts/999999/', { phone: '1' })).status).toBe(404);
  });

  it('filters by exact name, case-insensitive e-mail and phone via indexes that follow patches', async () => {
    const a = await sb.call('POST', '/contacts/', contactBody(sb.base, { name: 'Filter Person', email: 'Filter.Person@Example.com', phone: '2125551542' }));
    await sb.call('POST', '/contacts/', contactBody(sb.base, { name: 'Filter Person', email: 'someone.else@example.com' }));

    const byEmail = await sb.call('GET', '/contacts/?email=filter.person%40example.com');
    expect(byEmail.body.count).toBe(1);
    expect(byEmail.body.results[0].id).toBe(a.body.id);
    expect((await sb.call('GET', '/contacts/?name=Filter%20Person')).body.count).toBe(2);
    expect((await sb.call('GET', '/contacts/?name=filter%20person')).body.count).toBe(0);
    expect((await sb.call('GET', '/contacts/?name=Filter%20Person&phone=2125551542')).body.count).toBe(1);

    const all = (await sb.call('GET', '/contacts/')).body.count;
    expect((await sb.call('GET', '/contacts/?email=&name=')).body.count).toBe(all); // empty filters are skipped

    await sb.call('PATCH', `/contacts/${a.body.id}/`, { email: 'moved@example.com' });
    expect((await sb.call('GET', '/contacts/?email=filter.person%40example.com')).body.count).toBe(0);
    expect((await sb.call('GET', '/contacts/?email=MOVED%40example.com')).body.count).toBe(1);
  });

  it('paginates with next/previous on the served base, keeping filters', async () => {
    for (let i = 0; i < 5; i++) await sb.call('POST', '/contacts/', contactBody(sb.base, { name: 'Paged Person', email: `paged${i}@example.com` }));
    const p1 = await sb.call('GET', '/contacts/?name=Paged+Person&page_size=2');
    expect(p1.body.count).toBe(5);
    expect(p1.body.results).toHaveLength(2);
    expect(p1.body.previous).toBeNull();
    expect(p1.body.next).toBe(`${sb.base}/contacts/?name=Paged+Person&page=2&page_size=2`);

    const p2 = await sb.call('GET', p1.body.next);
    expect(p2.body.previous).toBe(`${sb.base}/contacts/?name=Paged+Person&page_size=2`);
    const p3 = await sb.call('GET', p2.body.next);
    expect(p3.body.results).toHaveLength(1);
    expect(p3.body.next).toBeNull();
    expect(p3.body.previous).toBe(`${sb.base}/contacts/?name=Paged+Person&page=2&page_size=2`);
    const ids = [...p1.body.results, ...p2.body.results, ...p3.body.results].map((c: { id: number }) => c.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));

    expect((await sb.call('GET', '/contacts/?name=Paged+Person&page_size=2&page=4')).body).toEqual({ detail: 'Invalid page.' });
    expect((await sb.call('GET', '/contacts/?page=abc')).status).toBe(404);
    expect((await sb.call('GET', '/contacts/?page_size=1000')).body.results.length).toBeLessThanOrEqual(100);
    expect((await sb.call('GET', '/contacts/?name=nobody')).body).toEqual({ count: 0, next: null, previous: null, results: [] });
  });

  it('builds URLs from the Host header the request came with', async () => {
    const res = await rawRequest(`${sb.base}/contacts/?page_size=1`, { headers: { ...AUTH, host: 'oncall.local:8443' } });
    if ('error' in res) throw res.error;
    const body = JSON.parse(res.body);
    expect(body.results[0].url).toMatch(/^http:\/\/oncall\.local:8443\/sandbox\/oncall\/contacts\/\d+\/$/);
    expect(body.next).toMatch(/^http:\/\/oncall\.local:8443\/sandbox\/oncall\/contacts\/\?page=2&page_size=1$/);
  });

  it('lists the appointments a contact takes part in, matched by e-mail', async () => {
    const contact = await sb.call('POST', '/contacts/', contactBody(sb.base, { email: 'Visits@Example.com' }));
    const appt = await sb.call('POST', '/appointments/', {
      title: 'Visit', type: 'phone', duration: 15, datetime: '2030-05-01T09:00:00Z', division: `${sb.base}/divisions/1/`,
      participants: [{ name: 'V', email: 'visits@example.com', fee: 0 }],
    });
    const list = await sb.call('GET', `/contacts/${contact.body.id}/appointments/`);
    expect(list.status).toBe(200);
    expect(list.body.count).toBe(1);
    expect(list.body.results[0].url).toBe(appt.body.url);
  });
});

import { addressHash, type ErasedSubject, prepareEvent } from '@clerk-sync/events';
import { describe, expect, it } from 'vitest';
import { redactSubjects } from './redact-subjects.js';

const zelda: ErasedSubject = {
  userId: 'user_zelda',
  addressHashes: [addressHash('zelda@example.test'), addressHash('second@example.test')].filter(
    (h): h is string => h !== null,
  ),
};
const request = { http_request: { client_ip: '203.0.113.9', user_agent: 'Firefox' } };
const job = (type: string, data: Record<string, unknown>) => ({
  v: 1 as const,
  svixId: `msg_${type}`,
  receivedAt: 1_760_000_000_000,
  event: { type, object: 'event', timestamp: 1_760_000_000, event_attributes: request, data },
});

describe('redactSubjects', () => {
  it('clears a user event of the erased user down to ids and times, and it still validates', () => {
    const payload = job('user.updated', {
      object: 'user',
      id: 'user_zelda',
      first_name: 'Zelda',
      last_name: 'Quartermaine',
      username: 'zq',
      image_url: 'https://img.example.test/zelda',
      primary_email_address_id: 'idn_1',
      email_addresses: [{ id: 'idn_1', email_address: 'Zelda@Example.test' }],
      phone_numbers: [{ id: 'idn_2', phone_number: '+15555550142' }],
      public_metadata: { plan: 'pro' },
      created_at: 1_760_000_000_000,
      updated_at: 1_760_000_000_500,
    });
    const { value, changed } = redactSubjects(payload, [zelda]);
    expect(changed).toBe(true);
    const text = JSON.stringify(value);
    for (const personal of [
      'Zelda',
      'Quartermaine',
      'zq',
      'img.example.test',
      '15555550142',
      'pro',
      '203.0.113.9',
    ])
      expect(text).not.toContain(personal);
    expect(value.event).not.toHaveProperty('event_attributes');
    expect(value.event.data).toMatchObject({ id: 'user_zelda', created_at: 1_760_000_000_000 });
    const prepared = prepareEvent(value);
    expect(prepared.handled?.type).toBe('user.updated');
  });

  it('clears the parts of other events that are hers: her membership’s public user data, her messages, her address anywhere', () => {
    const membership = job('organizationMembership.created', {
      id: 'orgmem_1',
      organization: { id: 'org_1', name: 'Acme', image_url: 'https://img.example.test/acme' },
      public_user_data: { user_id: 'user_zelda', first_name: 'Zelda', identifier: 'zelda@example.test' },
    });
    const m = redactSubjects(membership, [zelda]).value.event.data;
    expect(m).toMatchObject({
      organization: { id: 'org_1', name: 'Acme', image_url: 'https://img.example.test/acme' },
      public_user_data: { user_id: 'user_zelda', first_name: null, identifier: null },
    });

    const email = job('email.created', {
      id: 'ema_1',
      user_id: null,
      to_email_address: ' SECOND@example.test',
      subject: '123456 is your code',
      body: '<p>Hi Zelda</p>',
      slug: 'verification_code',
    });
    expect(redactSubjects(email, [zelda]).value.event.data).toEqual({
      id: 'ema_1',
      user_id: null,
      to_email_address: null,
      subject: null,
      body: null,
      slug: 'verification_code',
    });

    const waitlist = job('waitlistEntry.updated', {
      id: 'wle_1',
      email_address: 'zelda@example.test',
      status: 'invited',
      invitation: { id: 'inv_1', email_address: 'zelda@example.test' },
    });
    expect(redactSubjects(waitlist, [zelda]).value.event.data).toEqual({
      id: 'wle_1',
      email_address: null,
      status: 'invited',
      invitation: { id: 'inv_1', email_address: null },
    });
  });

  it('leaves other users’ events untouched, the same object and nothing changed', () => {
    const other = job('user.updated', {
      id: 'user_other',
      first_name: 'Link',
      email_addresses: [{ id: 'idn_9', email_address: 'link@example.test' }],
    });
    const result = redactSubjects(other, [zelda]);
    expect(result).toEqual({ value: other, changed: false });
    expect(result.value).toBe(other);
  });
});

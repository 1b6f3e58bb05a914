import { loadWebhookExamples } from '@clerk-sync/testkit';
import { describe, expect, it } from 'vitest';
import type { Delivery } from './delivery.js';
import { isHandledEventType } from './handled-events.js';
import { InvalidEventError } from './invalid-event-error.js';
import { prepareEvent } from './prepare-event.js';

const examples = loadWebhookExamples();
const payload = (event: unknown, svixId = 'msg_1'): Delivery =>
  ({ v: 1, svixId, receivedAt: 1_700_000_000_000, event }) as Delivery;

describe('prepareEvent over Clerk examples', () => {
  it('finds the current and legacy examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(55);
    expect(examples.some((e) => e.file.startsWith('legacy/'))).toBe(true);
  });

  it.each(examples)('accepts $file', ({ event }) => {
    const prepared = prepareEvent(payload(event));
    expect(prepared.type).toBe(event.type);
    expect(prepared.entityId).toBe(event.data.id);
    expect(prepared.entityKey).toMatch(/^[a-z_]+:.+$/);
    expect(prepared.entityKey.endsWith(`:${String(event.data.id)}`)).toBe(true);
    expect(prepared.handled?.type).toBe(event.type);
    const envelopeMs =
      (event.timestamp as number) < 1e12 ? (event.timestamp as number) * 1000 : event.timestamp;
    const expected = event.type.endsWith('.deleted') ? envelopeMs : (event.data.updated_at ?? envelopeMs);
    expect(prepared.version).toBe(expected);
    expect(prepared.version).toBeGreaterThan(1e12);
  });

  it('handles every event type Clerk publishes an example for', () => {
    const types = new Set(examples.map((e) => e.event.type));
    expect(types.size).toBeGreaterThanOrEqual(45);
    expect([...types].filter((t) => !isHandledEventType(t))).toEqual([]);
  });

  it('keys users, organizations and memberships as the contract says', () => {
    const byType = (t: string) => examples.find((e) => e.event.type === t && !e.file.startsWith('legacy/'));
    const key = (t: string) => prepareEvent(payload(byType(t)?.event)).entityKey;
    expect(key('user.created')).toBe('user:user_2g7np7Hrk0SN6kj5EDMLDaKNL0S');
    expect(key('organization.deleted')).toBe('organization:org_2g7np7Hrk0SN6kj5EDMLDaKNL0S');
    expect(key('organizationMembership.updated')).toBe(
      'organization_membership:orgmem_2g7np7Hrk0SN6kj5EDMLDaKNL0S',
    );
    expect(key('session.created')).toBe('session:sess_2g7np7Hrk0SN6kj5EDMLDaKNL0S');
  });

  it('keeps the envelope timestamp, in ms, as the tie-break after the version', () => {
    const created = structuredClone(examples.find((e) => e.file === 'session.created.json')?.event);
    // Clerk's examples send seconds; live deliveries send milliseconds.
    expect(prepareEvent(payload(created)).eventTs).toBe(1_716_883_200_000);
    if (created) created.timestamp = 1_716_883_200_123;
    expect(prepareEvent(payload(created))).toMatchObject({
      eventTs: 1_716_883_200_123,
      version: 1_716_883_200_000,
    });
    delete created?.timestamp;
    expect(prepareEvent(payload(created)).eventTs).toBeNull();
  });

  it('normalises legacy roles to org: keys', () => {
    const legacy = examples.find((e) => e.file === 'legacy/organizationMembership.created.legacy.json');
    const prepared = prepareEvent(payload(legacy?.event));
    expect(prepared.handled?.type).toBe('organizationMembership.created');
    expect(prepared.handled?.data).toMatchObject({ role: 'org:admin' });
  });

  it('reads the primary email from the address list', () => {
    const legacy = examples.find((e) => e.file === 'legacy/user.created.legacy.json');
    const prepared = prepareEvent(payload(legacy?.event));
    expect(prepared.handled?.data).toMatchObject({
      primary_email_address_id: 'idn_29w83yL7CwVlJXylYLxcslromF1',
      email_addresses: [{ email_address: 'example@example.org' }],
    });
  });
});

describe('prepareEvent rejects what the worker cannot use', () => {
  const userCreated = () => structuredClone(examples.find((e) => e.file === 'user.created.json')?.event);

  it('names a missing updated_at without echoing values', () => {
    const event = userCreated();
    delete event?.data.updated_at;
    expect(() => prepareEvent(payload(event))).toThrowError(InvalidEventError);
    try {
      prepareEvent(payload(event));
    } catch (error) {
      expect((error as InvalidEventError).reason).toContain('data.updated_at');
      expect((error as InvalidEventError).reason).not.toContain('John');
    }
  });

  it('rejects a delete without an envelope timestamp', () => {
    const event = { type: 'user.deleted', data: { id: 'user_1', deleted: true } };
    expect(() => prepareEvent(payload(event))).toThrowError(/timestamp/);
  });

  it('rejects a membership without its organization', () => {
    const event = structuredClone(
      examples.find((e) => e.file === 'organizationMembership.created.json')?.event,
    ) as { data: Record<string, unknown> };
    delete event.data.organization;
    expect(() => prepareEvent(payload(event))).toThrowError(/data\.organization/);
  });

  it('rejects an envelope whose data is not an object', () => {
    expect(() => prepareEvent(payload({ type: 'user.created', data: 'x' }))).toThrowError(InvalidEventError);
  });

  it('accepts an unknown type as unhandled, with a version from updated_at', () => {
    const prepared = prepareEvent(
      payload({ type: 'widget.updated', timestamp: 5, data: { id: 'w_1', updated_at: 1_800_000_000_000 } }),
      { now: 1_800_000_000_000 },
    );
    expect(prepared).toMatchObject({
      handled: null,
      entityKey: 'widget:w_1',
      version: 1_800_000_000_000,
    });
  });
});

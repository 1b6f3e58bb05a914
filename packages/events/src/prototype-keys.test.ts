import { makeEvent } from '@clerk-sync/testkit';
import { describe, expect, it } from 'vitest';
import type { Delivery } from './delivery.js';
import { entityKey, entityKindOf } from './entity-key.js';
import { isHandledEventType } from './handled-events.js';
import { prepareEvent } from './prepare-event.js';
import { normaliseRole } from './schemas.js';

/** Names every plain object inherits; a lookup that is not limited to own keys finds something for each. */
const inherited = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty'];
/** Each one's entity kind, snake-cased like any unknown prefix. */
const kinds = [
  ['__proto__', '__proto__'],
  ['constructor', 'constructor'],
  ['toString', 'to_string'],
  ['valueOf', 'value_of'],
  ['hasOwnProperty', 'has_own_property'],
] as const;

const T = 1_760_000_000_000;
const payload = (event: unknown): Delivery =>
  ({ v: 1, svixId: 'msg_proto', receivedAt: T, event }) as Delivery;

describe('lookups by names from a payload only see own keys', () => {
  it.each(kinds)('treats the event type %s as unknown: not handled, keyed %s', (name, kind) => {
    expect(isHandledEventType(name)).toBe(false);
    const prepared = prepareEvent(payload({ type: name, timestamp: T, data: { id: 'x_1' } }), { now: T });
    expect(prepared).toMatchObject({ type: name, handled: null, version: T, entityId: 'x_1' });
    expect(prepared.entityKey).toBe(`${kind}:x_1`);
  });

  it.each(kinds)('reads the prefix %s as the unknown kind %s', (name, kind) => {
    expect(entityKindOf(`${name}.updated`)).toBe(kind);
    expect(entityKey({ type: `${name}.created`, data: { id: 'a' } })).toBe(`${kind}:a`);
  });

  it.each(inherited)('keeps a role named %s as an ordinary custom role', (role) => {
    expect(normaliseRole(role)).toBe(`org:${role}`);
  });

  it('still maps the legacy roles', () => {
    expect(normaliseRole('admin')).toBe('org:admin');
    expect(normaliseRole('basic_member')).toBe('org:member');
    expect(normaliseRole('org:billing')).toBe('org:billing');
  });

  it.each(inherited)('parses a membership with role %s as a string role', (role) => {
    const event = makeEvent(
      {
        kind: 'organization_membership',
        id: 'orgmem_p',
        createdAt: T,
        userId: 'user_p',
        organizationId: 'org_p',
      },
      'updated',
      T,
    );
    event.data.role = role;
    const prepared = prepareEvent(payload(event), { now: T });
    expect(prepared.handled?.data).toMatchObject({ role: `org:${role}` });
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWebhookExamples, sharedDir } from '@clerk-sync/testkit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Delivery } from './delivery.js';
import { handledEvents, isHandledEventType } from './handled-events.js';
import { prepareEvent } from './prepare-event.js';

/**
 * Walks Clerk's webhook spec: for every handled type, every field of its example that the spec does
 * not list as required (at any depth the spec describes) is removed in turn, and the event must
 * still be accepted. A schema stricter than the spec would dead-letter events Clerk may send.
 */
type Json = Record<string, unknown>;
interface Resolved {
  required: Set<string>;
  properties: Record<string, Json>;
  items?: Json;
}

const spec = parse(readFileSync(join(sharedDir, 'clerk', 'spec', 'webhooks-2025-04-15.yml'), 'utf8')) as Json;

function deref(schema: Json): Json {
  let s = schema;
  while (typeof s.$ref === 'string') {
    s = s.$ref
      .replace('#/', '')
      .split('/')
      .reduce<Json>((node, key) => node[key] as Json, spec);
  }
  return s;
}

function resolve(schema: Json): Resolved {
  const s = deref(schema);
  const out: Resolved = {
    required: new Set((s.required as string[] | undefined) ?? []),
    properties: { ...((s.properties as Record<string, Json> | undefined) ?? {}) },
    ...(s.items ? { items: s.items as Json } : {}),
  };
  for (const part of (s.allOf as Json[] | undefined) ?? []) {
    const r = resolve(part);
    for (const name of r.required) out.required.add(name);
    Object.assign(out.properties, r.properties);
    out.items ??= r.items;
  }
  return out;
}

/** Paths (property names, `*` for every array element) of fields the spec leaves optional. */
function optionalPaths(value: unknown, schema: Resolved, path: string[] = []): string[][] {
  if (Array.isArray(value)) {
    if (!schema.items) return [];
    const first = value.find((v) => typeof v === 'object' && v !== null);
    return first === undefined ? [] : optionalPaths(first, resolve(schema.items), [...path, '*']);
  }
  if (typeof value !== 'object' || value === null) return [];
  const found: string[][] = [];
  for (const [key, child] of Object.entries(value)) {
    if (!schema.required.has(key)) found.push([...path, key]);
    const childSchema = schema.properties[key];
    if (childSchema !== undefined) found.push(...optionalPaths(child, resolve(childSchema), [...path, key]));
  }
  return found;
}

function without(value: unknown, path: string[]): unknown {
  const [head, ...rest] = path;
  if (head === undefined || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return head === '*' ? value.map((v) => without(v, rest)) : value;
  const copy: Json = { ...(value as Json) };
  if (rest.length === 0) delete copy[head];
  else copy[head] = without(copy[head], rest);
  return copy;
}

const webhooks = spec['x-webhooks'] as Record<string, Json>;
const dataSchemaOf = (type: string): Resolved => {
  const op = webhooks[type] as { post: { requestBody: { content: Record<string, { schema: Json }> } } };
  const body = resolve(op.post.requestBody.content['application/json']?.schema ?? {});
  return resolve(body.properties.data ?? {});
};

const examples = loadWebhookExamples().filter((e) => !e.file.startsWith('legacy/'));
const cases = Object.keys(handledEvents).flatMap((type) => {
  const example = examples.find((e) => e.event.type === type);
  if (example === undefined || webhooks[type] === undefined) return [];
  return optionalPaths(example.event.data, dataSchemaOf(type)).map((path) => ({
    type,
    field: path.join('.'),
    event: { ...example.event, data: without(example.event.data, path) },
  }));
});
const payload = (event: unknown): Delivery =>
  ({ v: 1, svixId: 'msg_spec', receivedAt: 1_700_000_000_000, event }) as Delivery;

describe("schemas against the spec's required lists", () => {
  it('covers every handled type the spec describes, with an example', () => {
    const described = Object.keys(handledEvents).filter((t) => webhooks[t] !== undefined);
    expect(described.length).toBeGreaterThanOrEqual(45);
    for (const type of described) expect(examples.some((e) => e.event.type === type)).toBe(true);
    expect(cases.length).toBeGreaterThan(200);
  });

  it.each(cases)('$type accepts data without optional $field', ({ type, event }) => {
    expect(isHandledEventType(type)).toBe(true);
    const prepared = prepareEvent(payload(event));
    expect(prepared.type).toBe(type);
  });

  it('stores a membership without public_user_data with no user id', () => {
    const example = examples.find((e) => e.event.type === 'organizationMembership.created');
    const data = without(example?.event.data, ['public_user_data']);
    const prepared = prepareEvent(payload({ ...example?.event, data }));
    expect(prepared.handled?.data).toMatchObject({ organization: { id: expect.any(String) } });
    expect(prepared.handled?.data).not.toHaveProperty('public_user_data.user_id');
  });

  it('keeps the primary email when another entry has no id, and records a delete without id as ignored', () => {
    const user = examples.find((e) => e.event.type === 'user.created')?.event;
    const primary = { id: 'idn_primary', email_address: 'primary@example.com' };
    const emails = [{ email_address: 'no-id@example.com' }, primary];
    const prepared = prepareEvent(
      payload({
        ...user,
        data: { ...user?.data, primary_email_address_id: primary.id, email_addresses: emails },
      }),
    );
    expect(prepared.handled?.data).toMatchObject({ email_addresses: [primary] });
    const deleted = prepareEvent(
      payload({ type: 'user.deleted', timestamp: 1_716_883_200, data: { deleted: true } }),
    );
    expect(deleted).toMatchObject({ type: 'user.deleted', handled: null, version: 1_716_883_200_000 });
  });
});

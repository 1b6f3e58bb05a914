import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@clerk-sync/testkit';
import { describe, expect, it } from 'vitest';
import type { Delivery } from './delivery.js';
import { prepareEvent } from './prepare-event.js';
import { snapshotEvent } from './snapshot-event.js';

/** Clerk's Backend API example user: its `created_at` and `updated_at` are in seconds (1611948436). */
const backendUser = JSON.parse(
  readFileSync(join(sharedDir, 'clerk', 'spec', 'backend-api-user.example.json'), 'utf8'),
) as Record<string, unknown>;
const NOW = 1_800_000_000_000;

describe('times inside data', () => {
  it('reads a backfilled user whose times are in seconds as milliseconds, version included', () => {
    const { event, version } = snapshotEvent('user', backendUser, { now: NOW });
    expect(backendUser.created_at).toBe(1_611_948_436);
    expect(version).toBe(1_611_948_436_000);
    expect(event.type).toBe('user.updated');
    const data = event.data as { created_at: number; updated_at: number };
    expect(new Date(data.created_at).toISOString()).toBe('2021-01-29T19:27:16.000Z');
    expect(data.updated_at).toBe(1_611_948_436_000);
  });

  it('reads a webhook whose data carries seconds the same way as one in milliseconds', () => {
    const user = (at: number) => ({
      type: 'user.updated',
      timestamp: 1_700_000_000_000,
      data: { id: 'user_s', created_at: at, updated_at: at, last_sign_in_at: at, last_active_at: at },
    });
    const payload = (event: unknown): Delivery =>
      ({ v: 1, svixId: 'msg_s', receivedAt: 1_700_000_000_000, event }) as Delivery;
    const inSeconds = prepareEvent(payload(user(1_650_000_000)), { now: NOW });
    const inMs = prepareEvent(payload(user(1_650_000_000_000)), { now: NOW });
    expect(inSeconds.version).toBe(1_650_000_000_000);
    expect(inSeconds.handled).toEqual(inMs.handled);
    expect(inSeconds.handled?.data).toMatchObject({
      created_at: 1_650_000_000_000,
      last_active_at: 1_650_000_000_000,
    });
  });

  it('leaves milliseconds alone, down to the earliest Clerk could send (2001 and later)', () => {
    const { version } = snapshotEvent(
      'organization',
      { id: 'org_1', name: 'Acme', created_at: 1_000_000_000_000, updated_at: 1_000_000_000_001 },
      { now: NOW },
    );
    expect(version).toBe(1_000_000_000_001);
  });
});

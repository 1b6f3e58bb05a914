import { describe, expect, it } from 'vitest';
import { eventVersion } from './event-version.js';
import { toMillis } from './timestamps.js';

describe('eventVersion', () => {
  it('uses data.updated_at for created and updated events', () => {
    expect(
      eventVersion({ type: 'user.updated', timestamp: 1, data: { updated_at: 1_716_883_500_000 } }),
    ).toBe(1_716_883_500_000);
  });

  it('uses the envelope timestamp for deletes, in ms whether it was sent in seconds or ms', () => {
    expect(eventVersion({ type: 'user.deleted', timestamp: 1_716_883_200, data: {} })).toBe(
      1_716_883_200_000,
    );
    expect(eventVersion({ type: 'user.deleted', timestamp: 1_661_861_640_000, data: {} })).toBe(
      1_661_861_640_000,
    );
  });

  it('ignores updated_at on deletes, which Clerk leaves at its pre-delete value', () => {
    expect(
      eventVersion({
        type: 'organizationMembership.deleted',
        timestamp: 1_800_000_000,
        data: { updated_at: 5 },
      }),
    ).toBe(1_800_000_000_000);
  });

  it('returns null when there is nothing to order by', () => {
    expect(eventVersion({ type: 'email.created', data: {} })).toBeNull();
  });

  it('toMillis leaves millisecond values alone', () => {
    expect(toMillis(1_000_000_000_000)).toBe(1_000_000_000_000);
    expect(toMillis(999_999_999_999)).toBe(999_999_999_999_000);
  });
});

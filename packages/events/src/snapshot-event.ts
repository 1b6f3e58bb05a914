import { describeIssues } from './describe-issues.js';
import { DEFAULT_MAX_FUTURE_SKEW_MS, futureVersionProblem, type VersionClock } from './future-version.js';
import { type HandledEvent, handledEvents } from './handled-events.js';
import { InvalidEventError } from './invalid-event-error.js';

/** Objects the Backend API lists, and the event type whose `data` has the same shape. */
export const snapshotTypes = {
  user: 'user.updated',
  organization: 'organization.updated',
  organization_membership: 'organizationMembership.updated',
  /** Invitations have no `.updated` event; every action carries the same object, and `created` is one of them. */
  organization_invitation: 'organizationInvitation.created',
  organization_domain: 'organizationDomain.updated',
  role: 'role.updated',
  permission: 'permission.updated',
  waitlist_entry: 'waitlistEntry.updated',
} as const;

export type SnapshotKind = keyof typeof snapshotTypes;

/**
 * Reads an object from Clerk's Backend API (a user, organization, membership, invitation, domain, role,
 * permission or waitlist entry, in the same JSON shape
 * webhooks carry) as if it were an `*.updated` event at its own `updated_at`, so a backfill goes
 * through the same validation and version guards as webhooks, including the refusal of an
 * `updated_at` too far ahead of `clock.now` (by default `Date.now()` and one day). Throws `InvalidEventError`.
 */
export function snapshotEvent(
  kind: SnapshotKind,
  data: unknown,
  clock: Partial<VersionClock> = {},
): { event: HandledEvent; version: number } {
  const type = snapshotTypes[kind];
  const parsed = handledEvents[type].schema.safeParse(data);
  if (!parsed.success) throw new InvalidEventError(`${kind} snapshot: ${describeIssues(parsed.error)}`);
  const version = parsed.data.updated_at;
  const problem = futureVersionProblem(version, {
    now: clock.now ?? Date.now(),
    maxFutureSkewMs: clock.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS,
  });
  if (problem !== null) throw new InvalidEventError(`${kind} snapshot: ${problem}`);
  return { event: { type, data: parsed.data } as HandledEvent, version };
}

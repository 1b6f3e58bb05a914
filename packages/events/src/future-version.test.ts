import { makeEvent } from '@clerk-sync/testkit';
import { describe, expect, it } from 'vitest';
import type { Delivery } from './delivery.js';
import { DEFAULT_MAX_FUTURE_SKEW_MS, futureVersionProblem } from './future-version.js';
import { InvalidEventError } from './invalid-event-error.js';
import { prepareEvent } from './prepare-event.js';
import { snapshotEvent } from './snapshot-event.js';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const DAY = 86_400_000;
const YEAR_2100 = Date.UTC(2100, 0, 1);
const clock = { now: NOW, maxFutureSkewMs: DAY };
const user = { kind: 'user' as const, id: 'user_future', createdAt: NOW - DAY };
const payload = (event: unknown): Delivery =>
  ({ v: 1, svixId: 'msg_future', receivedAt: NOW, event }) as Delivery;

describe('futureVersionProblem', () => {
  it('defaults to one day of skew', () => {
    expect(DEFAULT_MAX_FUTURE_SKEW_MS).toBe(DAY);
  });

  it('accepts a version in the past, at now, and exactly at the skew boundary', () => {
    expect(futureVersionProblem(NOW - 5 * DAY, clock)).toBeNull();
    expect(futureVersionProblem(NOW, clock)).toBeNull();
    expect(futureVersionProblem(NOW + DAY, clock)).toBeNull();
  });

  it('refuses a version one millisecond past the boundary, saying by how much and against which now', () => {
    expect(futureVersionProblem(NOW + DAY + 1, clock)).toBe(
      `version ${NOW + DAY + 1} is more than 1 day ahead of now (2026-11-24T12:00:00.000Z)`,
    );
  });

  it('names the configured skew in the largest whole unit', () => {
    expect(futureVersionProblem(NOW + 3 * DAY, { now: NOW, maxFutureSkewMs: 2 * 3_600_000 })).toContain(
      'more than 2 hours ahead',
    );
    expect(futureVersionProblem(NOW + DAY, { now: NOW, maxFutureSkewMs: 90_500 })).toContain(
      'more than 90500 ms ahead',
    );
  });
});

describe('prepareEvent and far-future versions', () => {
  it('refuses a user.updated stamped in the year 2100, with the reason', () => {
    const event = makeEvent(user, 'updated', YEAR_2100);
    expect(() => prepareEvent(payload(event), clock)).toThrowError(InvalidEventError);
    expect(() => prepareEvent(payload(event), clock)).toThrowError(
      `user.updated: version ${YEAR_2100} is more than 1 day ahead of now`,
    );
  });

  it('accepts an update exactly one skew ahead and refuses one a millisecond later', () => {
    expect(prepareEvent(payload(makeEvent(user, 'updated', NOW + DAY)), clock).version).toBe(NOW + DAY);
    expect(() => prepareEvent(payload(makeEvent(user, 'updated', NOW + DAY + 1)), clock)).toThrowError(
      /more than 1 day ahead/,
    );
  });

  it('applies the configured skew, not the default', () => {
    const event = makeEvent(user, 'updated', NOW + 2 * 60_000);
    expect(prepareEvent(payload(event), clock).version).toBe(NOW + 2 * 60_000);
    expect(() => prepareEvent(payload(event), { now: NOW, maxFutureSkewMs: 60_000 })).toThrowError(
      /more than 1 minute ahead/,
    );
  });

  it('refuses a delete whose envelope timestamp is far ahead', () => {
    const event = makeEvent(user, 'deleted', YEAR_2100);
    expect(() => prepareEvent(payload(event), clock)).toThrowError(/^invalid event: user\.deleted: version/);
  });

  it('refuses an unknown type with a far-future version too, rather than record it', () => {
    const event = { type: 'widget.updated', data: { id: 'w_1', updated_at: YEAR_2100 } };
    expect(() => prepareEvent(payload(event), clock)).toThrowError(/widget\.updated: version/);
  });

  it('refuses an updated_at beyond what a Date can hold (9e15) instead of crashing later', () => {
    expect(() => prepareEvent(payload(makeEvent(user, 'updated', 9e15)), clock)).toThrowError(
      InvalidEventError,
    );
    expect(() =>
      prepareEvent(payload({ type: 'widget.updated', data: { updated_at: 9e15 } }), clock),
    ).toThrow(InvalidEventError);
  });

  it('refuses other timestamps beyond what a Date can hold, even with a sane version', () => {
    const event = makeEvent(user, 'updated', NOW);
    event.data.last_sign_in_at = 9e15;
    expect(() => prepareEvent(payload(event), clock)).toThrowError(
      /data\.last_sign_in_at: must be a time a Date can hold/,
    );
  });
});

describe('snapshotEvent and far-future versions', () => {
  it('refuses a Backend API object whose updated_at is far ahead, as the worker does', () => {
    const snapshot = makeEvent(user, 'updated', YEAR_2100).data;
    expect(() => snapshotEvent('user', snapshot, clock)).toThrowError(
      `user snapshot: version ${YEAR_2100} is more than 1 day ahead of now`,
    );
  });

  it('accepts one within the skew', () => {
    const snapshot = makeEvent(user, 'updated', NOW + DAY).data;
    expect(snapshotEvent('user', snapshot, clock).version).toBe(NOW + DAY);
  });
});

describe('an envelope timestamp from the future', () => {
  it('makes the event invalid: it would win every tie at its version', () => {
    const event = makeEvent(user, 'updated', NOW);
    event.timestamp = YEAR_2100;
    expect(() => prepareEvent(payload(event), clock)).toThrow(InvalidEventError);
    event.timestamp = NOW + DAY;
    expect(prepareEvent(payload(event), clock).eventTs).toBe(NOW + DAY);
  });
});

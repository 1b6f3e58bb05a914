import { describe, expect, it } from 'vitest';
import { clientKey, LoginThrottle } from './login-throttle.js';

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('LoginThrottle', () => {
  it('lets a client fail five times, then doubles its wait with each further failure', () => {
    const time = clock();
    const throttle = new LoginThrottle({ now: time.now });
    for (let i = 0; i < 4; i++) {
      throttle.failed('10.0.0.1');
      expect(throttle.waitMs('10.0.0.1')).toBe(0);
    }
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      throttle.failed('10.0.0.1');
      waits.push(throttle.waitMs('10.0.0.1'));
      time.advance(throttle.waitMs('10.0.0.1'));
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(throttle.waitMs('10.0.0.2')).toBe(0);
  });

  it('caps the wait at the maximum, and keeps counting after a lockout ends', () => {
    const time = clock();
    const throttle = new LoginThrottle({ now: time.now, maxDelayMs: 60_000 });
    for (let i = 0; i < 30; i++) throttle.failed('10.0.0.1');
    expect(throttle.waitMs('10.0.0.1')).toBe(60_000);
    time.advance(60_001);
    expect(throttle.waitMs('10.0.0.1')).toBe(0);
    // Sitting out the wait buys no fresh free guesses: the next failure waits the maximum again.
    throttle.failed('10.0.0.1');
    expect(throttle.waitMs('10.0.0.1')).toBe(60_000);
  });

  it('forgets a client a day after its last failure', () => {
    const time = clock();
    const throttle = new LoginThrottle({ now: time.now });
    for (let i = 0; i < 6; i++) throttle.failed('10.0.0.1');
    time.advance(24 * 3_600_000 - 1);
    throttle.failed('10.0.0.1');
    expect(throttle.waitMs('10.0.0.1')).toBe(4000);
    time.advance(24 * 3_600_000 + 1);
    throttle.failed('10.0.0.1');
    expect(throttle.waitMs('10.0.0.1')).toBe(0);
  });

  it('holds at most maxClients, forgetting the least recently failing', () => {
    const throttle = new LoginThrottle({ now: clock().now, maxClients: 100, freeFailures: 1 });
    throttle.failed('192.0.2.1');
    for (let i = 0; i < 10_000; i++) throttle.failed(`10.${(i >> 8) & 255}.${i & 255}.1`);
    expect(throttle.size).toBe(100);
    expect(throttle.waitMs('192.0.2.1')).toBe(0);
    expect(throttle.waitMs('10.39.15.1')).toBeGreaterThan(0);
  });

  it('counts an IPv6 /64 as one client, and an IPv4-mapped address as its IPv4 address', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    const throttle = new LoginThrottle({ now: clock().now });
    for (let i = 0; i < 5; i++) throttle.failed(`2001:db8:1:2::${i + 1}`);
    expect(throttle.waitMs('2001:db8:1:2:ffff::9')).toBeGreaterThan(0);
  });
});

import { describe, expect, it } from 'vitest';
import { compareCodePoints, compareOrderKeys, type OrderKey } from './order-key.js';

const key = (version: number, eventTs: number | null, svixId: string | null): OrderKey => ({
  version,
  eventTs,
  svixId,
});

describe('compareOrderKeys', () => {
  it('orders by version first, whatever the envelope time and svix-id say', () => {
    expect(compareOrderKeys(key(2, 1, 'msg_a'), key(1, 9, 'msg_z'))).toBeGreaterThan(0);
    expect(compareOrderKeys(key(1, 9, 'msg_z'), key(2, 1, 'msg_a'))).toBeLessThan(0);
  });

  it('breaks a version tie by the envelope time, then by the svix-id', () => {
    expect(compareOrderKeys(key(5, 11, 'msg_a'), key(5, 10, 'msg_z'))).toBeGreaterThan(0);
    expect(compareOrderKeys(key(5, 10, 'msg_b'), key(5, 10, 'msg_a'))).toBeGreaterThan(0);
    expect(compareOrderKeys(key(5, 10, 'msg_a'), key(5, 10, 'msg_a'))).toBe(0);
  });

  it('puts a missing envelope time or svix-id (a snapshot, an older row) below any present one', () => {
    expect(compareOrderKeys(key(5, null, null), key(5, 0, null))).toBeLessThan(0);
    expect(compareOrderKeys(key(5, null, null), key(5, 0, 'msg_a'))).toBeLessThan(0);
    expect(compareOrderKeys(key(5, 0, null), key(5, null, 'msg_a'))).toBeGreaterThan(0);
    expect(compareOrderKeys(key(5, null, null), key(5, null, null))).toBe(0);
  });
});

describe('compareCodePoints', () => {
  it('compares bytewise like COLLATE "C": upper case before lower case, no locale folding', () => {
    expect(compareCodePoints('msg_Z', 'msg_a')).toBeLessThan(0);
    expect(compareCodePoints('msg_a', 'msg_aa')).toBeLessThan(0);
    expect(compareCodePoints('msg_é', 'msg_z')).toBeGreaterThan(0);
  });

  it('puts characters beyond U+FFFF after U+E000–U+FFFF, where UTF-16 code units would not', () => {
    const astral = 'msg_\u{1F600}';
    const privateUse = 'msg_\uFFFD';
    expect(astral < privateUse).toBe(true);
    expect(compareCodePoints(astral, privateUse)).toBeGreaterThan(0);
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { addressHash, addressHashOfValue } from './address-hash.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('addressHash', () => {
  it('meets every spelling of one email address: case and surrounding whitespace do not matter', () => {
    const expected = sha256('zelda@example.test');
    for (const spelling of [
      'zelda@example.test',
      'Zelda@Example.TEST',
      ' ZELDA@example.test\t',
      '\nzelda@EXAMPLE.test ',
    ])
      expect(addressHash(spelling)).toBe(expected);
    expect(addressHash('zelda2@example.test')).not.toBe(expected);
  });

  it('folds ASCII letters only, as the database function does under any collation', () => {
    expect(addressHash('Über@Example.test')).toBe(sha256('Über@example.test'));
  });

  it('keeps the digits of a phone number, whatever the separators', () => {
    const expected = sha256('15555550100');
    for (const spelling of ['+15555550100', '+1 (555) 555-0100', '1.555.555.0100'])
      expect(addressHash(spelling)).toBe(expected);
  });

  it('has nothing to hash in an empty value', () => {
    expect(addressHash('')).toBeNull();
    expect(addressHash('   ')).toBeNull();
  });
});

describe('addressHashOfValue', () => {
  it('hashes email- and phone-shaped values the same way as addressHash', () => {
    expect(addressHashOfValue('Zelda@Example.test')).toBe(addressHash('zelda@example.test'));
    expect(addressHashOfValue('+1 555 555 0100')).toBe(addressHash('+15555550100'));
  });

  it('leaves values that are not addresses alone: words, short numbers, ids', () => {
    for (const value of [
      'Acme Corp',
      '2026',
      'org:member',
      'user_2g7np7Hrk0SN6kj5EDMLDaKNL0S',
      'order 555-0100-22 x',
    ])
      expect(addressHashOfValue(value)).toBeNull();
  });
});

import { OTHER_SIGNING_SECRET, TEST_SIGNING_SECRET } from '@clerk-sync/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSigningSecrets, signingKey } from './signing-secrets.js';

/** The error `parseSigningSecrets` throws for `raw`; fails the test when it accepts it. */
function refusal(raw: string): string {
  try {
    parseSigningSecrets(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return (error as Error).message;
  }
  throw new Error('expected parseSigningSecrets to refuse the value');
}

const secretOf = (bytes: number, fill = 5) => `whsec_${Buffer.alloc(bytes, fill).toString('base64')}`;

describe('parseSigningSecrets', () => {
  it('accepts one whsec_ secret as it is', () => {
    expect(parseSigningSecrets(TEST_SIGNING_SECRET)).toEqual([TEST_SIGNING_SECRET]);
  });

  it('splits a rotation on spaces, commas, tabs and newlines, in the order given', () => {
    const third = secretOf(24);
    expect(parseSigningSecrets(`${TEST_SIGNING_SECRET} ${OTHER_SIGNING_SECRET}`)).toEqual([
      TEST_SIGNING_SECRET,
      OTHER_SIGNING_SECRET,
    ]);
    expect(parseSigningSecrets(`  ${OTHER_SIGNING_SECRET},${TEST_SIGNING_SECRET} ,\n\t${third}  `)).toEqual([
      OTHER_SIGNING_SECRET,
      TEST_SIGNING_SECRET,
      third,
    ]);
  });

  it.each([
    ['an empty value', ''],
    ['only spaces', '   '],
    ['only separators', ' , ,\n'],
  ])('refuses %s, saying where the secret comes from', (_name, raw) => {
    expect(refusal(raw)).toBe('is empty: set the signing secret(s) from the Clerk dashboard, whsec_…');
  });

  it.each([
    ['without the whsec_ prefix', Buffer.alloc(32, 7).toString('base64')],
    ['with another prefix', `sk_test_${Buffer.alloc(32, 7).toString('base64')}`],
    ['with characters outside base64', 'whsec_abcdefghijklmnop$%^&*qrstuvwxyz'],
    ['with padding in the middle', 'whsec_abcdefgh==ijklmnopqrstuvwxyz012345'],
    ['with a bare prefix', 'whsec_'],
    ['in URL-safe base64', `whsec_${Buffer.alloc(32, 0xfb).toString('base64url')}`],
  ])('refuses a secret %s as malformed', (_name, raw) => {
    expect(refusal(raw)).toBe('the secret is malformed: expected whsec_ followed by base64');
  });

  it('refuses a secret whose key is under 16 bytes as too short, and accepts 16', () => {
    expect(refusal(secretOf(15))).toBe('the secret is too short to be a Svix signing secret');
    expect(parseSigningSecrets(secretOf(16))).toEqual([secretOf(16)]);
  });

  it('names which secret of a rotation is wrong, by position', () => {
    expect(refusal(`${TEST_SIGNING_SECRET} whsec_not*base64`)).toBe(
      'secret #2 is malformed: expected whsec_ followed by base64',
    );
    expect(refusal(`${secretOf(8)},${TEST_SIGNING_SECRET}`)).toBe(
      'secret #1 is too short to be a Svix signing secret',
    );
  });

  it('answers only with fixed texts, so no part of a refused value reaches a log', () => {
    const fixed =
      /^(?:is empty: set the signing secret\(s\) from the Clerk dashboard, whsec_…|(?:the secret|secret #\d+) is (?:malformed: expected whsec_ followed by base64|too short to be a Svix signing secret))$/;
    const anything = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ maxLength: 60 }).map((s) => `whsec_${s}`),
      fc.uint8Array({ maxLength: 40 }).map((key) => `whsec_${Buffer.from(key).toString('base64')}`),
    );
    fc.assert(
      fc.property(
        fc.array(anything, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(' ', ','),
        (parts, sep) => {
          const value = parts.join(sep);
          try {
            parseSigningSecrets(value);
          } catch (error) {
            expect((error as Error).message).toMatch(fixed);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('signingKey', () => {
  it('is the bytes the base64 part of a whsec_ secret encodes', () => {
    expect(signingKey(TEST_SIGNING_SECRET)).toEqual(Buffer.alloc(32, 7));
  });

  it('decodes a value without the prefix as plain base64', () => {
    expect(signingKey(Buffer.alloc(20, 3).toString('base64'))).toEqual(Buffer.alloc(20, 3));
  });
});

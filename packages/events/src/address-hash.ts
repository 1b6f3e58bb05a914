import { createHash } from 'node:crypto';

/** Leading and trailing ASCII whitespace, exactly what the SQL twin strips (`btrim(…, E' \t\n\r\f\x0B')`). */
const EDGE_SPACE = /^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g;
/** A string that reads as a phone number: digits with the usual separators, at least seven digits. */
const PHONE = /^\+?[0-9 ().-]+$/;

/**
 * The SHA-256 (hex) of an email address or phone number, normalised so that spellings of the same
 * address meet: an email (anything with `@`) is trimmed and its ASCII letters lowercased; a phone
 * number keeps its digits only (Clerk sends E.164, `+15555550100`, and other sources add spaces,
 * dashes or brackets, never a meaningful non-digit). Only ASCII letters are folded, so the result does
 * not depend on a database's collation or a runtime's Unicode tables.
 *
 * Postgres computes the same value with the `address_hash(text)` function of the erasure-registry
 * migration; a test holds the two equal. Returns `null` when nothing is left to hash.
 *
 * A hash is a pseudonym, not anonymity: anyone who knows an address can compute it. It lets the copy
 * recognise an erased address without keeping it.
 *
 * @example addressHash(' Zelda@Example.TEST ') === addressHash('zelda@example.test')
 */
export function addressHash(address: string): string | null {
  const normalised = address.includes('@')
    ? address.replace(EDGE_SPACE, '').replace(/[A-Z]/g, (c) => c.toLowerCase())
    : address.replace(/[^0-9]/g, '');
  return normalised === '' ? null : createHash('sha256').update(normalised, 'utf8').digest('hex');
}

/**
 * `addressHash` for a value found somewhere in a payload, which may or may not be an address: an
 * email-shaped string, or a phone-shaped one with at least seven digits. Anything else is `null`, so
 * that a year or an amount never stands for a phone number.
 */
export function addressHashOfValue(value: string): string | null {
  if (value.includes('@')) return addressHash(value);
  const trimmed = value.replace(EDGE_SPACE, '');
  if (!PHONE.test(trimmed) || trimmed.replace(/[^0-9]/g, '').length < 7) return null;
  return addressHash(trimmed);
}

/**
 * A user erased by a `user.deleted` (or a reconcile that found them gone): their id, and the hashes
 * (`addressHash`) of every email address and phone number the copy knew for them.
 */
export interface ErasedSubject {
  userId: string;
  addressHashes: readonly string[];
}

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { emptyAsUnset, envFlag, envInt } from './env-fields.js';

describe('envInt', () => {
  it('defaults when unset, coerces, and refuses fractions and values under the bound', () => {
    const port = envInt(3000, 1);
    expect(port.parse(undefined)).toBe(3000);
    expect(port.parse('8080')).toBe(8080);
    for (const bad of ['0', '1.5', 'eighty', '-3']) expect(port.safeParse(bad).success, bad).toBe(false);
  });
});

describe('envFlag', () => {
  it('reads exactly true or false, and defaults when unset', () => {
    expect(envFlag(true).parse(undefined)).toBe(true);
    expect(envFlag(false).parse(undefined)).toBe(false);
    expect(envFlag(true).parse('false')).toBe(false);
    for (const bad of ['yes', '1', 'TRUE', '']) expect(envFlag(true).safeParse(bad).success, bad).toBe(false);
  });
});

describe('emptyAsUnset', () => {
  it('gives an empty variable the default, and still checks a set one', () => {
    const user = emptyAsUnset(
      z
        .string()
        .regex(/^[^:]+$/)
        .default('admin'),
    );
    expect(user.parse('')).toBe('admin');
    expect(user.parse(undefined)).toBe('admin');
    expect(user.parse('ops')).toBe('ops');
    expect(user.safeParse('a:b').success).toBe(false);
  });
});

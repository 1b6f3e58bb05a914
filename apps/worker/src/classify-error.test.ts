import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { isTransientError, jobError } from './classify-error.js';

const pgError = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('isTransientError', () => {
  it.each([
    ['a lost connection (08006)', pgError('08006')],
    ['a serialization failure (40001)', pgError('40001')],
    ['a deadlock (40P01)', pgError('40P01')],
    ['too many connections (53300)', pgError('53300')],
    ['a statement timeout (57014)', pgError('57014')],
    ['an admin shutdown (57P01)', pgError('57P01')],
    ['a table being restored (42P01)', pgError('42P01')],
    ['a refused socket', pgError('ECONNREFUSED')],
    ['a pool that cannot connect in time', new Error('timeout exceeded when trying to connect')],
    ['a connection terminated mid-query', new Error('Connection terminated unexpectedly')],
    [
      'a transient cause wrapped in another error',
      new Error('query failed', { cause: pgError('ECONNRESET') }),
    ],
  ])('retries %s', (_name, error) => {
    expect(isTransientError(error)).toBe(true);
    expect(jobError(error)).toBe(error);
  });

  it.each([
    ['a NUL byte in text (22021)', pgError('22021')],
    ['a unique violation (23505)', pgError('23505')],
    ['a syntax error (42601)', pgError('42601')],
    ['a RangeError from converting a time', new RangeError('Invalid time value')],
    ['a TypeError from our own code', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a thrown string', 'nope'],
  ])('does not retry %s: the job fails for good with its reason', (_name, error) => {
    expect(isTransientError(error)).toBe(false);
    const failed = jobError(error);
    expect(failed).toBeInstanceOf(UnrecoverableError);
    expect(failed.message).toMatch(/database rejected the event \(2[23]|42601|event cannot be applied/);
  });

  it('names the SQLSTATE of data Postgres refuses', () => {
    expect(jobError(pgError('22021', 'invalid byte sequence')).message).toBe(
      'database rejected the event (22021): invalid byte sequence',
    );
  });

  it('keeps an UnrecoverableError as it is', () => {
    const error = new UnrecoverableError('already decided');
    expect(jobError(error)).toBe(error);
  });
});

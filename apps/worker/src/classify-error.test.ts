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
    ['a schema being restored (3F000)', pgError('3F000')],
    ['a database being restored (3D000)', pgError('3D000')],
    ['a lock that is not available (55P03)', pgError('55P03')],
    ['a system error (58030)', pgError('58030')],
    ['a refused socket', pgError('ECONNREFUSED')],
    ['a broken pipe', pgError('EPIPE')],
    ['a socket timeout', pgError('ETIMEDOUT')],
    ['an unreachable host', pgError('EHOSTUNREACH')],
    ['a DNS lookup that failed for now', pgError('EAI_AGAIN')],
    ['a host name that does not resolve', pgError('ENOTFOUND')],
    ['a server that closed the connection', new Error('server closed the connection unexpectedly')],
    [
      'a client with a broken connection',
      new Error('Client has encountered a connection error and is not queryable'),
    ],
    ['a pool being shut down', new Error('Cannot use a pool after calling end on the pool')],
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
    ['an undefined column (42703)', pgError('42703')],
    ['a check violation (23514)', pgError('23514')],
    ['an out-of-range number (22003)', pgError('22003')],
    ['a Node error code that is not about the network', pgError('ERR_INVALID_ARG_TYPE')],
    ['a lower-case code that only looks like a SQLSTATE', pgError('08abc')],
    [
      'data Postgres refused, wrapped in another error',
      new Error('insert failed', { cause: pgError('23505') }),
    ],
    ['a thrown string', 'nope'],
    ['a thrown null', null],
    ['a thrown number', 42],
  ])('does not retry %s: the job fails for good with its reason', (_name, error) => {
    expect(isTransientError(error)).toBe(false);
    const failed = jobError(error);
    expect(failed).toBeInstanceOf(UnrecoverableError);
    expect(failed.message).toMatch(
      /^(?:database rejected the event \([0-9A-Z]{5}\)|event cannot be applied \(\w+\)): /,
    );
  });

  it('names the SQLSTATE of data Postgres refuses', () => {
    expect(jobError(pgError('22021', 'invalid byte sequence')).message).toBe(
      'database rejected the event (22021): invalid byte sequence',
    );
  });

  it('names the error type and message of an event our code cannot convert', () => {
    expect(jobError(new RangeError('Invalid time value')).message).toBe(
      'event cannot be applied (RangeError): Invalid time value',
    );
    expect(jobError('nope').message).toBe('event cannot be applied (Error): nope');
  });

  it('stops at an error that is its own cause', () => {
    const error = new Error('loops');
    Object.assign(error, { cause: error });
    expect(isTransientError(error)).toBe(false);
  });

  it('stops on a cause chain that loops back (a → b → a) instead of overflowing the stack', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expect(isTransientError(a)).toBe(false);
    expect(jobError(a)).toBeInstanceOf(UnrecoverableError);
    const reset = pgError('ECONNRESET');
    Object.assign(reset, { cause: b });
    Object.assign(a, { cause: reset });
    expect(isTransientError(b)).toBe(true);
  });

  it('retries a thrown plain object that carries a transient code', () => {
    const thrown = { code: 'ECONNREFUSED' };
    expect(jobError(thrown)).not.toBeInstanceOf(UnrecoverableError);
    expect(jobError({ code: '23505' })).toBeInstanceOf(UnrecoverableError);
  });

  it('finds a transient cause two levels down', () => {
    const error = new Error('batch failed', {
      cause: new Error('query failed', { cause: pgError('57P01') }),
    });
    expect(isTransientError(error)).toBe(true);
    expect(jobError(error)).toBe(error);
  });

  it('keeps an UnrecoverableError as it is', () => {
    const error = new UnrecoverableError('already decided');
    expect(jobError(error)).toBe(error);
  });

  it('agrees with jobError on what is retried, thrown strings and plain objects included', () => {
    const thrown: unknown[] = [
      'Connection terminated unexpectedly',
      'bad data',
      { code: 'ECONNRESET' },
      { code: '23505' },
      new Error('timeout exceeded when trying to connect'),
      new TypeError('x is undefined'),
      pgError('40001'),
      pgError('22P02'),
      42,
      null,
    ];
    for (const error of thrown) {
      const retried = !(jobError(error) instanceof UnrecoverableError);
      expect(isTransientError(error), String(JSON.stringify(error) ?? error)).toBe(retried);
    }
    expect(isTransientError('Connection terminated unexpectedly')).toBe(true);
    expect(isTransientError('bad data')).toBe(false);
  });
});

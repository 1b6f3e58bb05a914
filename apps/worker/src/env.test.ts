import { describe, expect, it } from 'vitest';
import { readWorkerEnv, workerEnvKeys } from './env.js';

describe('MAX_FUTURE_SKEW_MS', () => {
  it('defaults to one day and is listed with the worker variables', () => {
    expect(readWorkerEnv({}).MAX_FUTURE_SKEW_MS).toBe(86_400_000);
    expect(workerEnvKeys).toContain('MAX_FUTURE_SKEW_MS');
  });

  it('takes a number of milliseconds', () => {
    expect(readWorkerEnv({ MAX_FUTURE_SKEW_MS: '3600000' }).MAX_FUTURE_SKEW_MS).toBe(3_600_000);
  });

  it.each(['soon', '-1', '1000', '90000.5'])('refuses %s, naming the variable', (value) => {
    expect(() => readWorkerEnv({ MAX_FUTURE_SKEW_MS: value })).toThrowError(/MAX_FUTURE_SKEW_MS/);
  });
});

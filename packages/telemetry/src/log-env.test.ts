import { describe, expect, it } from 'vitest';
import { LOG_LEVELS, logEnv } from './log-env.js';

describe('logEnv', () => {
  it("defaults to info and takes each of pino's levels", () => {
    expect(logEnv.parse({})).toEqual({ LOG_LEVEL: 'info' });
    for (const level of LOG_LEVELS) expect(logEnv.parse({ LOG_LEVEL: level }).LOG_LEVEL).toBe(level);
  });

  it('refuses a level pino does not know, naming the variable', () => {
    const result = logEnv.safeParse({ LOG_LEVEL: 'verbose' });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['LOG_LEVEL']);
  });
});

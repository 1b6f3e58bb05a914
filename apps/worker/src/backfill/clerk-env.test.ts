import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../cli/command.js';
import { readClerkApiEnv } from './clerk-env.js';

const base = { CLERK_SECRET_KEY: 'sk_test_x' };

describe('CLERK_API_RATE', () => {
  it('reads the presets and plain numbers', () => {
    expect(readClerkApiEnv(base).CLERK_API_RATE).toBe(1000);
    expect(readClerkApiEnv({ ...base, CLERK_API_RATE: 'development' }).CLERK_API_RATE).toBe(100);
    expect(readClerkApiEnv({ ...base, CLERK_API_RATE: '250' }).CLERK_API_RATE).toBe(250);
  });

  it.each(['toString', '__proto__', 'constructor', 'valueOf', 'hasOwnProperty'])(
    'refuses %s, a name only Object.prototype knows, naming the variable',
    (value) => {
      expect(() => readClerkApiEnv({ ...base, CLERK_API_RATE: value })).toThrowError(
        /CLERK_API_RATE: production, development, or requests per 10 seconds/,
      );
    },
  );
});

describe('clerk-sync backfill with CLERK_API_RATE=toString', () => {
  it('exits with the configuration code and message, before touching a database', async () => {
    const cli = fileURLToPath(new URL('../../dist/cli/clerk-sync.js', import.meta.url));
    const child = spawn(process.execPath, [cli, 'backfill'], {
      env: {
        PATH: process.env.PATH ?? '',
        ...base,
        CLERK_API_RATE: 'toString',
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += String(d);
    });
    child.stderr.on('data', (d) => {
      output += String(d);
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(EXIT.usage);
    expect(output).toContain('invalid clerk-sync backfill configuration');
    expect(output).toContain('CLERK_API_RATE: production, development, or requests per 10 seconds');
    expect(output).not.toMatch(/ECONNREFUSED|backfill failed/);
  });
});

import { randomBytes } from 'node:crypto';
import { TEST_SIGNING_SECRET } from '@clerk-sync/testkit';
import { describe, expect, it } from 'vitest';
import { readIngestEnv } from '../env.js';
import { adminPasswordProblem } from './admin-password.js';

describe('adminPasswordProblem', () => {
  it.each([
    'REPLACE_ME',
    'replace-me-before-deploying',
    'whsec_REPLACE_ME_REPLACE_ME',
    'changeme',
    'ChangeMe!ChangeMe!2024',
    'your-password-goes-here',
  ])('refuses the placeholder %s', (password) => {
    expect(adminPasswordProblem(password)).toMatch(/placeholder/);
  });

  it.each(['password', 'admin', 'Password1234567890', 'adminadminadminadmin', 'P@ssw0rd!P@ssw0rd!'])(
    'refuses the common password %s',
    (password) => {
      expect(adminPasswordProblem(password)).toBeDefined();
    },
  );

  it('refuses anything shorter than 16 characters and repetitive values', () => {
    expect(adminPasswordProblem('s3cret-pass')).toMatch(/at least 16/);
    expect(adminPasswordProblem('Xk2-9Lq-Tz4-Wv7')).toMatch(/at least 16/);
    expect(adminPasswordProblem('abababababababababab')).toMatch(/distinct/);
  });

  it('accepts generated secrets and long passphrases', () => {
    for (let i = 0; i < 20; i++)
      expect(adminPasswordProblem(randomBytes(24).toString('base64'))).toBeUndefined();
    expect(adminPasswordProblem(randomBytes(24).toString('hex'))).toBeUndefined();
    expect(adminPasswordProblem('correct horse battery staple')).toBeUndefined();
  });
});

describe('admin settings in the ingest configuration', () => {
  const base = { CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET };

  it('stops at start on a placeholder password, naming the variable and not echoing the value', () => {
    const attempt = () => readIngestEnv({ ...base, ADMIN_PASSWORD: 'REPLACE_ME' });
    expect(attempt).toThrow(/ADMIN_PASSWORD: looks like a template placeholder/);
    expect(() => readIngestEnv({ ...base, ADMIN_PASSWORD: 'short-one' })).toThrow(
      /ADMIN_PASSWORD: must be at least 16 characters/,
    );
    let message = '';
    try {
      readIngestEnv({ ...base, ADMIN_PASSWORD: 'hunter2-changeme' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/ADMIN_PASSWORD/);
    expect(message).not.toContain('hunter2');
  });

  it('treats an empty password as unset, and defaults the user name to admin', () => {
    const env = readIngestEnv({ ...base, ADMIN_PASSWORD: '' });
    expect(env.ADMIN_PASSWORD).toBeUndefined();
    expect(env.ADMIN_USERNAME).toBe('admin');
    expect(() => readIngestEnv({ ...base, ADMIN_USERNAME: 'a:b' })).toThrow(/ADMIN_USERNAME/);
  });

  it('parses ADMIN_ALLOWED_HOSTS and refuses entries a Host header cannot carry', () => {
    expect(
      readIngestEnv({ ...base, ADMIN_ALLOWED_HOSTS: 'Admin.Internal, ops.example:8443' }).ADMIN_ALLOWED_HOSTS,
    ).toEqual(['admin.internal', 'ops.example:8443']);
    expect(() => readIngestEnv({ ...base, ADMIN_ALLOWED_HOSTS: 'https://admin.internal/' })).toThrow(
      /ADMIN_ALLOWED_HOSTS/,
    );
  });
});

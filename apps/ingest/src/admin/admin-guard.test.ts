import { describe, expect, it } from 'vitest';
import { crossSiteProblem, hostAllowed, LOOPBACK_HOSTS, parseAllowedHosts } from './admin-guard.js';

describe('hostAllowed', () => {
  const allowed = [...LOOPBACK_HOSTS, 'admin.internal', 'ops.example:8443'];

  it('accepts the loopback names on any port and the configured names', () => {
    for (const host of ['localhost', 'localhost:3001', '127.0.0.1:3001', '[::1]:3001', 'LOCALHOST:1'])
      expect(hostAllowed(host, allowed), host).toBe(true);
    expect(hostAllowed('admin.internal:3001', allowed)).toBe(true);
    expect(hostAllowed('ops.example:8443', allowed)).toBe(true);
  });

  it('refuses a rebinding name, a wrong port for a host:port entry, and garbage', () => {
    for (const host of [
      'rebind.attacker.example',
      'rebind.attacker.example:3001',
      'localhost.attacker.example',
      '127.0.0.1.nip.io:3001',
      'ops.example:3001',
      'localhost:3001@evil',
      '',
      undefined,
    ])
      expect(hostAllowed(host, allowed), String(host)).toBe(false);
  });

  it('parses ADMIN_ALLOWED_HOSTS', () => {
    expect(parseAllowedHosts(' a.example, B.example:8443  c ')).toEqual(['a.example', 'b.example:8443', 'c']);
    expect(parseAllowedHosts('')).toEqual([]);
    expect(() => parseAllowedHosts('http://a.example')).toThrow(/not a host/);
  });
});

describe('crossSiteProblem', () => {
  const check = (method: string, headers: Record<string, string>) =>
    crossSiteProblem(method, 'localhost:3001', (name) => headers[name]);

  it('lets reads through whatever their origin', () => {
    expect(check('GET', { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' })).toBeUndefined();
  });

  it('refuses the forms and no-cors fetches a foreign page can send', () => {
    expect(check('POST', { origin: 'http://evil.example', 'content-type': 'text/plain' })?.status).toBe(403);
    expect(
      check('POST', { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' })?.status,
    ).toBe(403);
    expect(check('POST', { 'sec-fetch-site': 'same-site', 'content-type': 'application/json' })?.status).toBe(
      403,
    );
    expect(check('PUT', { origin: 'null' })?.status).toBe(403);
    expect(check('PUT', { origin: 'http://localhost:4000' })?.status).toBe(403);
    expect(check('POST', { 'content-type': 'text/plain' })?.status).toBe(415);
    expect(check('POST', { 'content-type': 'application/x-www-form-urlencoded' })?.status).toBe(415);
    expect(check('POST', { 'content-type': 'multipart/form-data; boundary=x' })?.status).toBe(415);
    expect(check('POST', { 'content-length': '12' })?.status).toBe(415);
  });

  it('allows same-origin JSON and same-origin bodyless writes', () => {
    expect(
      check('POST', {
        origin: 'http://localhost:3001',
        'sec-fetch-site': 'same-origin',
        'content-type': 'application/json; charset=utf-8',
      }),
    ).toBeUndefined();
    expect(
      check('PUT', { origin: 'http://localhost:3001', 'sec-fetch-site': 'same-origin' }),
    ).toBeUndefined();
    expect(check('PUT', { 'content-length': '0' })).toBeUndefined();
    expect(crossSiteProblem('PUT', 'admin.internal', () => undefined)).toBeUndefined();
    expect(
      crossSiteProblem('PUT', 'admin.internal', (n) =>
        n === 'origin' ? 'https://admin.internal:443' : undefined,
      ),
    ).toBeUndefined();
  });
});

import { Webhook } from 'svix';

/** A fixed, valid Svix secret for tests: 32 bytes, base64. Never used outside tests. */
export const TEST_SIGNING_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
/** A second secret, for rotation tests and "wrong secret" cases. */
export const OTHER_SIGNING_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;

/**
 * The three headers Svix sends, signing `body` as Svix would with `new Webhook(secret).sign()`.
 * `at` lets a test send a timestamp outside the ±5 minute window.
 */
export function svixHeaders(
  secret: string,
  svixId: string,
  body: string,
  at: Date = new Date(),
): Record<'svix-id' | 'svix-timestamp' | 'svix-signature' | 'content-type', string> {
  return {
    'svix-id': svixId,
    'svix-timestamp': String(Math.floor(at.getTime() / 1000)),
    'svix-signature': new Webhook(secret).sign(svixId, at, body),
    'content-type': 'application/json',
  };
}

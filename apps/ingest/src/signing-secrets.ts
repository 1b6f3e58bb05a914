import { Webhook } from 'svix';

const SECRET = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/**
 * Splits `CLERK_WEBHOOK_SIGNING_SECRET` into its secrets: one or more `whsec_…`, separated by spaces
 * or commas, so that a rotation can accept the old and the new secret for a while.
 * Throws a message that says what is wrong without repeating the secret.
 */
export function parseSigningSecrets(raw: string): string[] {
  const secrets = raw.split(/[\s,]+/).filter(Boolean);
  if (secrets.length === 0)
    throw new Error('is empty: set the signing secret(s) from the Clerk dashboard, whsec_…');
  secrets.forEach((secret, i) => {
    const which = secrets.length > 1 ? `secret #${i + 1}` : 'the secret';
    if (!SECRET.test(secret)) throw new Error(`${which} is malformed: expected whsec_ followed by base64`);
    if (Buffer.from(secret.slice('whsec_'.length), 'base64').length < 16) {
      throw new Error(`${which} is too short to be a Svix signing secret`);
    }
  });
  return secrets;
}

export type VerifyFailure = 'missing_headers' | 'invalid_headers' | 'stale_timestamp' | 'bad_signature';
export type VerifyResult = { ok: true } | { ok: false; reason: VerifyFailure };

export interface SvixHeaders {
  'svix-id': string | undefined;
  'svix-timestamp': string | undefined;
  'svix-signature': string | undefined;
}

/**
 * Builds a verifier that accepts a body signed with any of `secrets`. Header and timestamp problems
 * are the same for every secret, so only a signature mismatch moves on to the next secret.
 */
export function createVerifier(
  secrets: readonly string[],
): (body: string, headers: SvixHeaders) => VerifyResult {
  const webhooks = secrets.map((s) => new Webhook(s));
  return (body, headers) => {
    if (!headers['svix-id'] || !headers['svix-timestamp'] || !headers['svix-signature']) {
      return { ok: false, reason: 'missing_headers' };
    }
    const plain = {
      'svix-id': headers['svix-id'],
      'svix-timestamp': headers['svix-timestamp'],
      'svix-signature': headers['svix-signature'],
    };
    for (const webhook of webhooks) {
      try {
        webhook.verify(body, plain);
        return { ok: true };
      } catch (error) {
        const message = (error as Error).message;
        if (message.includes('timestamp')) return { ok: false, reason: 'stale_timestamp' };
        if (message.includes('Invalid Signature Headers')) return { ok: false, reason: 'invalid_headers' };
      }
    }
    return { ok: false, reason: 'bad_signature' };
  };
}

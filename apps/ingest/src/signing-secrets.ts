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
    if (signingKey(secret).length < 16) {
      throw new Error(`${which} is too short to be a Svix signing secret`);
    }
  });
  return secrets;
}

/** The HMAC key of a `whsec_…` secret: the bytes its base64 part encodes. */
export function signingKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

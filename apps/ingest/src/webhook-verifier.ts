import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { signingKey } from './signing-secrets.js';

/** Why a delivery is refused before or at the signature check. */
export type VerifyFailure =
  | 'missing_headers'
  | 'invalid_svix_id'
  | 'invalid_headers'
  | 'stale_timestamp'
  | 'bad_signature';

/** The signed headers of a delivery, checked and ready for the body's HMAC. */
export interface SignedHeaders {
  /** The `svix-id`, validated against {@link SVIX_ID}: safe to log and use as a job id. */
  id: string;
  /** Seconds since the epoch, within {@link TOLERANCE_SECONDS} of now. */
  timestamp: number;
  /** The base64 parts of the `v1,…` entries that could be an HMAC-SHA256 (44 characters). */
  candidates: string[];
}

export type HeaderCheck = { ok: true; signed: SignedHeaders } | { ok: false; reason: VerifyFailure };
/** On success, `instance` names the instance whose secret signed the delivery. */
export type VerifyResult = { ok: true; id: string; instance: string } | { ok: false; reason: VerifyFailure };

/** A Clerk instance's name and its signing secrets (several during a rotation). */
export interface SigningInstance {
  readonly name: string;
  readonly secrets: readonly string[];
}

/** Svix ids look like `msg_2Lh…`; BullMQ also refuses purely numeric custom job ids. */
export const SVIX_ID = /^(?!\d+$)[A-Za-z0-9_.-]{1,128}$/;
/** The window Svix's own libraries allow between the sender's clock and ours. */
export const TOLERANCE_SECONDS = 5 * 60;
/** Length of a base64 SHA-256 digest with padding. */
const DIGEST_BASE64_LENGTH = 44;

export interface WebhookVerifier {
  /**
   * Everything that can be decided without the body: headers present, svix-id well formed, timestamp
   * in the window, a signature entry that could match. Run it first, so that unsigned and stale
   * requests are refused without reading (or buffering) their body.
   */
  checkHeaders(header: (name: string) => string | undefined): HeaderCheck;
  /**
   * The name of the instance whose secret's HMAC of `${id}.${timestamp}.${body}` is among the
   * candidates, or `undefined` when no configured secret's is.
   */
  verifyBody(signed: SignedHeaders, body: Uint8Array): string | undefined;
  /** Both steps at once, for a caller that already holds the body. Header names are case-insensitive. */
  verify(body: Uint8Array | string, headers: Readonly<Record<string, string | undefined>>): VerifyResult;
}

export interface VerifierOptions {
  /** Milliseconds since the epoch; tests pin it. */
  now?: () => number;
}

/**
 * Verifies Svix (Standard Webhooks) signatures with `node:crypto`, for every secret of every Clerk
 * instance (several per instance during a rotation), and says which instance's secret matched. One
 * secret under two instances is refused: a delivery it signs could come from either. It accepts
 * exactly what the `svix` package's `Webhook.verify` accepts, with one exception: a timestamp header
 * must be plain digits, where svix's `parseInt` also takes `"17e9"` or `" 17"`. A property test holds
 * the two together. `svix` hashes in JavaScript (about 9 ms per MiB per secret,
 * measured here); `node:crypto` takes under 1 ms.
 *
 * The `webhook-id`, `webhook-timestamp` and `webhook-signature` headers (Svix's white-label names, as
 * in the Standard Webhooks spec) stand in for any missing `svix-*` header, as in svix's library.
 *
 * @example
 * const verifier = createVerifier([{ name: 'prod', secrets: ['whsec_…'] }]);
 * const checked = verifier.checkHeaders((name) => c.req.header(name));
 * const instance = checked.ok ? verifier.verifyBody(checked.signed, body) : undefined;
 * if (instance) enqueue({ …, instance });
 */
export function createVerifier(
  instances: readonly SigningInstance[],
  options: VerifierOptions = {},
): WebhookVerifier {
  const keys = instanceKeys(instances);
  const now = options.now ?? Date.now;

  const checkHeaders = (header: (name: string) => string | undefined): HeaderCheck => {
    const id = header('svix-id') ?? header('webhook-id');
    const rawTimestamp = header('svix-timestamp') ?? header('webhook-timestamp');
    const signature = header('svix-signature') ?? header('webhook-signature');
    if (!id || !rawTimestamp || !signature) return { ok: false, reason: 'missing_headers' };
    if (!SVIX_ID.test(id)) return { ok: false, reason: 'invalid_svix_id' };
    if (!/^\d+$/.test(rawTimestamp)) return { ok: false, reason: 'invalid_headers' };
    const timestamp = Number.parseInt(rawTimestamp, 10);
    const nowSeconds = Math.floor(now() / 1000);
    if (nowSeconds - timestamp > TOLERANCE_SECONDS || timestamp > nowSeconds + TOLERANCE_SECONDS) {
      return { ok: false, reason: 'stale_timestamp' };
    }
    const candidates: string[] = [];
    for (const entry of signature.split(' ')) {
      // Split as svix does: `v1,<sig>,<anything>` still offers `<sig>`.
      const [version, sig] = entry.split(',');
      if (version === 'v1' && sig !== undefined && sig.length === DIGEST_BASE64_LENGTH) candidates.push(sig);
    }
    if (candidates.length === 0) return { ok: false, reason: 'bad_signature' };
    return { ok: true, signed: { id, timestamp, candidates } };
  };

  const verifyBody = (signed: SignedHeaders, body: Uint8Array) => matchingInstance(keys, signed, body);

  const verify: WebhookVerifier['verify'] = (body, headers) => {
    const lower = new Map<string, string | undefined>();
    for (const name of Object.keys(headers)) {
      if (Object.hasOwn(headers, name)) lower.set(name.toLowerCase(), headers[name]);
    }
    const checked = checkHeaders((name) => lower.get(name));
    if (!checked.ok) return checked;
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const instance = verifyBody(checked.signed, bytes);
    return instance === undefined
      ? { ok: false, reason: 'bad_signature' }
      : { ok: true, id: checked.signed.id, instance };
  };

  return { checkHeaders, verifyBody, verify };
}

/**
 * The instance whose key's HMAC of `${id}.${timestamp}.${body}` is among the candidates. Every
 * candidate is compared with every key of every instance, without stopping early, so timing reveals
 * neither whether nor which secret matched.
 */
function matchingInstance(
  keys: ReadonlyArray<{ key: KeyObject; instance: string }>,
  { id, timestamp, candidates }: SignedHeaders,
  body: Uint8Array,
): string | undefined {
  const offered = candidates.map((sig) => Buffer.from(sig, 'utf8'));
  let matched: string | undefined;
  for (const { key, instance } of keys) {
    // The timestamp is signed as svix signs it: the parsed number, so "0017…" signs as "17…".
    const expected = Buffer.from(
      createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64'),
      'utf8',
    );
    for (const sig of offered) {
      if (sig.length === expected.length && timingSafeEqual(sig, expected)) matched = instance;
    }
  }
  return matched;
}

/**
 * Every secret's HMAC key with its instance's name; throws when one key belongs to two instances.
 * KeyObjects are made once: `createHmac` with a Buffer key builds one on every call (about 4x the cost
 * of the HMAC of a 1.5 KB body, measured on Node 24).
 */
function instanceKeys(instances: readonly SigningInstance[]): Array<{ key: KeyObject; instance: string }> {
  const keys = instances.flatMap(({ name, secrets }) =>
    secrets.map((secret) => ({ key: signingKey(secret), instance: name })),
  );
  for (const [i, { key, instance }] of keys.entries()) {
    const other = keys.slice(i + 1).find((k) => k.instance !== instance && k.key.equals(key));
    if (other) throw new Error(`instances ${instance} and ${other.instance} share a signing secret`);
  }
  return keys.map(({ key, instance }) => ({ key: createSecretKey(key), instance }));
}

import { addressHashOfValue, type ErasedSubject } from '@clerk-sync/events';

/**
 * Fields that describe a person in Clerk's payloads: names, addresses, pictures, metadata, message
 * content, and where a request came from. Cleared inside anything that belongs to an erased user.
 */
const PERSONAL_KEYS = new Set([
  'first_name',
  'last_name',
  'username',
  'image_url',
  'profile_image_url',
  'identifier',
  'email',
  'email_address',
  'email_addresses',
  'phone_number',
  'phone_numbers',
  'web3_wallets',
  'passkeys',
  'external_accounts',
  'saml_accounts',
  'enterprise_accounts',
  'public_metadata',
  'private_metadata',
  'unsafe_metadata',
  'to_email_address',
  'to_phone_number',
  'subject',
  'body',
  'body_plain',
  'message',
  'data',
  'latest_activity',
  'ip_address',
  'city',
  'country',
  'browser_name',
  'browser_version',
  'device_type',
  'user_agent',
  'client_ip',
]);

export interface SubjectRedaction<T> {
  value: T;
  /** False when nothing in the value concerned the subjects; `value` is then the input itself. */
  changed: boolean;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A job payload (or any JSON value) without the personal data of erased users. An object belongs to a
 * subject when its `id` or `user_id` is theirs, or when one of its own values is one of their addresses
 * (compared by `addressHash`); inside it, every {@link PERSONAL_KEYS} field becomes `null`, nested
 * objects included. Elsewhere, a value that is one of their addresses becomes `null`. An event that
 * concerned them also loses `event_attributes` (the IP address and browser of the request behind it).
 *
 * Ids, types, statuses and times stay, so a redacted event still validates and can be replayed: it
 * then writes what the registry in Postgres would have left of it anyway.
 *
 * @example redactSubjects(job.data, [{ userId: 'user_1', addressHashes: [addressHash('a@b.c')] }])
 */
export function redactSubjects<T>(value: T, subjects: readonly ErasedSubject[]): SubjectRedaction<T> {
  const ids = new Set(subjects.map((s) => s.userId));
  const hashes = new Set(subjects.flatMap((s) => s.addressHashes));
  let changed = false;
  const isAddress = (v: unknown) => {
    if (typeof v !== 'string') return false;
    const hash = addressHashOfValue(v);
    return hash !== null && hashes.has(hash);
  };
  const belongs = (o: Json) =>
    (typeof o.id === 'string' && ids.has(o.id)) ||
    (typeof o.user_id === 'string' && ids.has(o.user_id)) ||
    Object.values(o).some(isAddress);

  const walk = (v: unknown, owned: boolean): unknown => {
    if (isAddress(v)) {
      changed = true;
      return null;
    }
    if (Array.isArray(v)) return v.map((item) => walk(item, owned));
    if (!isObject(v)) return v;
    const mine = owned || belongs(v);
    const out: Json = {};
    for (const [key, field] of Object.entries(v)) {
      if (mine && PERSONAL_KEYS.has(key) && field !== null && field !== undefined) {
        changed = true;
        out[key] = null;
      } else out[key] = walk(field, mine);
    }
    return out;
  };

  const redacted = walk(value, false);
  if (!changed) return { value, changed: false };
  return { value: withoutRequestAttributes(redacted) as T, changed: true };
}

/** A job payload's event without `event_attributes`; anything else as it is. */
function withoutRequestAttributes(value: unknown): unknown {
  if (!isObject(value)) return value;
  if (isObject(value.event) && 'event_attributes' in value.event) {
    const { event_attributes: _, ...event } = value.event;
    return { ...value, event };
  }
  return value;
}

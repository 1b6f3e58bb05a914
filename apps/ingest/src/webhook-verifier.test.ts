import fc from 'fast-check';
import { Webhook, WebhookVerificationError } from 'svix';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createVerifier,
  type SigningInstance,
  SVIX_ID,
  TOLERANCE_SECONDS,
  type VerifyResult,
} from './webhook-verifier.js';

/** A fixed "now" with a fractional second, so both sides must floor it the same way. */
const NOW_MS = 1_750_000_000_789;
const NOW_S = Math.floor(NOW_MS / 1000);

beforeEach(() => {
  // svix reads Date.now(); so does our verifier by default. Both see the same frozen clock.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW_MS);
});
afterEach(() => {
  vi.useRealTimers();
});

/** The single-instance setup: one instance named `default` with these secrets. */
const one = (...secrets: string[]): SigningInstance[] => [{ name: 'default', secrets }];

/**
 * What svix's own `Webhook.verify` says, tried with each configured secret of each instance as a
 * rotation would; on success, the instance whose secret it was.
 */
function svixVerdict(
  instances: readonly SigningInstance[],
  body: string,
  headers: Record<string, string>,
): VerifyResult {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const tries = instances.flatMap(({ name, secrets }) => secrets.map((secret) => ({ name, secret })));
  for (const { name, secret } of tries) {
    try {
      new Webhook(secret).verify(body, headers);
      return { ok: true, id: lower.get('svix-id') ?? lower.get('webhook-id') ?? '', instance: name };
    } catch (error) {
      expect(error).toBeInstanceOf(WebhookVerificationError);
      const message = (error as Error).message;
      if (message === 'Missing required headers') return { ok: false, reason: 'missing_headers' };
      if (message === 'Invalid Signature Headers') return { ok: false, reason: 'invalid_headers' };
      if (message.startsWith('Message timestamp too')) return { ok: false, reason: 'stale_timestamp' };
      expect(message).toBe('No matching signature found');
    }
  }
  return { ok: false, reason: 'bad_signature' };
}

const secretArb = fc
  .uint8Array({ minLength: 16, maxLength: 48 })
  .map((key) => `whsec_${Buffer.from(key).toString('base64')}`);
const svixIdArb = fc.stringMatching(/^msg_[A-Za-z0-9]{1,40}$/);
const bodyArb = fc.oneof(
  fc.json(),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constant(''),
  fc.constant('{"type":"user.created","data":{"id":"user_1"}}'),
);
/** Offsets around both edges of the tolerance, and elsewhere. */
const offsetArb = fc.oneof(
  fc.constantFrom(
    -TOLERANCE_SECONDS - 1,
    -TOLERANCE_SECONDS,
    -TOLERANCE_SECONDS + 1,
    0,
    TOLERANCE_SECONDS - 1,
    TOLERANCE_SECONDS,
    TOLERANCE_SECONDS + 1,
  ),
  fc.integer({ min: -2 * TOLERANCE_SECONDS, max: 2 * TOLERANCE_SECONDS }),
);
const randomSignature = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((b) => Buffer.from(b).toString('base64'));

/** Ways to spoil a correct signature's text, as a broken or hostile sender might. */
const spoil = fc.constantFrom(
  (sig: string) => sig.replace(/=$/, ''),
  (sig: string) => sig.replaceAll('+', '-').replaceAll('/', '_'),
  (sig: string) => `${sig.slice(0, -2)}A=`,
  (sig: string) => `${sig.slice(0, 43)}`,
  (sig: string) => `${sig} `,
  (sig: string) => sig.toLowerCase(),
);

type Entry =
  | { kind: 'real' }
  | { kind: 'random'; sig: string }
  | { kind: 'version'; version: string }
  | { kind: 'spoiled'; spoil: (sig: string) => string }
  | { kind: 'trailing' }
  | { kind: 'junk'; text: string };

const entryArb: fc.Arbitrary<Entry> = fc.oneof(
  fc.constant({ kind: 'real' as const }),
  randomSignature.map((sig) => ({ kind: 'random' as const, sig })),
  fc.constantFrom('v2', 'v1a', 'V1', 'v0', '').map((version) => ({ kind: 'version' as const, version })),
  spoil.map((s) => ({ kind: 'spoiled' as const, spoil: s })),
  fc.constant({ kind: 'trailing' as const }),
  fc.string({ maxLength: 50 }).map((text) => ({ kind: 'junk' as const, text })),
);

const caseArb = fc.record({
  secrets: fc.array(secretArb, { minLength: 1, maxLength: 3 }),
  /** Which instance each secret belongs to: one instance rotating, or several. */
  owners: fc.array(fc.constantFrom('prod', 'dev', 'staging'), { minLength: 3, maxLength: 3 }),
  signer: fc.oneof(fc.nat({ max: 2 }), fc.constant('foreign' as const)),
  foreign: secretArb,
  id: svixIdArb,
  body: bodyArb,
  offset: offsetArb,
  timestampText: fc.constantFrom('plain', 'plain', 'plain', 'zeros'),
  entries: fc.array(entryArb, { minLength: 1, maxLength: 4 }),
  tamper: fc.constantFrom('none', 'none', 'body', 'id', 'timestamp'),
  names: fc.constantFrom('svix', 'svix', 'webhook', 'both', 'upper', 'conflict'),
  drop: fc.constantFrom(undefined, undefined, undefined, 'id', 'timestamp', 'signature', 'empty'),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * Mostly damaged deliveries, and one in five signed correctly by a configured secret within the
 * tolerance (header names, extra entries and timestamp text still vary), so acceptance is exercised
 * hundreds of times per run whatever the seed, not about a hundred by chance.
 */
const deliveryArb: fc.Arbitrary<Case> = fc.oneof(
  { arbitrary: caseArb, weight: 4 },
  {
    arbitrary: caseArb.map(
      (c): Case => ({
        ...c,
        signer: 0,
        offset: 0,
        tamper: 'none',
        drop: undefined,
        entries: [{ kind: 'real' }, ...c.entries],
      }),
    ),
    weight: 1,
  },
);

/** The case's secrets grouped by owner; a secret drawn twice keeps its first owner. */
function instancesOf(c: Case): SigningInstance[] {
  const owner = new Map<string, string>();
  c.secrets.forEach((secret, i) => {
    if (!owner.has(secret)) owner.set(secret, c.owners[i] ?? 'prod');
  });
  const names = [...new Set(owner.values())];
  return names.map((name) => ({ name, secrets: [...owner].filter(([, o]) => o === name).map(([s]) => s) }));
}

/** Builds the delivery: a signature (or several) by the chosen secret, then the chosen damage. */
function deliver(c: Case): { body: string; headers: Record<string, string> } {
  const secret = c.signer === 'foreign' ? c.foreign : (c.secrets[c.signer % c.secrets.length] ?? c.foreign);
  const timestamp = NOW_S + c.offset;
  const real = new Webhook(secret).sign(c.id, new Date(timestamp * 1000), c.body).slice('v1,'.length);
  const signature = c.entries
    .map((e) => {
      switch (e.kind) {
        case 'real':
          return `v1,${real}`;
        case 'random':
          return `v1,${e.sig}`;
        case 'version':
          return `${e.version},${real}`;
        case 'spoiled':
          return `v1,${e.spoil(real)}`;
        case 'trailing':
          return `v1,${real},extra`;
        default:
          return e.text;
      }
    })
    .join(' ');
  const body = c.tamper === 'body' ? `${c.body} ` : c.body;
  const id = c.tamper === 'id' ? `${c.id}x` : c.id;
  const sentTimestamp = c.tamper === 'timestamp' ? timestamp + 1 : timestamp;
  const values = {
    id,
    timestamp: c.timestampText === 'zeros' ? `000${sentTimestamp}` : String(sentTimestamp),
    signature,
  };
  if (c.drop === 'empty') values.signature = '';
  const headers: Record<string, string> = {};
  for (const field of ['id', 'timestamp', 'signature'] as const) {
    if (c.drop === field) continue;
    const value = values[field];
    if (c.names === 'svix' || c.names === 'both') headers[`svix-${field}`] = value;
    if (c.names === 'webhook' || c.names === 'both') headers[`webhook-${field}`] = value;
    if (c.names === 'upper') headers[`Svix-${field[0]?.toUpperCase()}${field.slice(1)}`] = value;
    if (c.names === 'conflict') {
      // Both names, different values: the svix-* header wins, as in svix's library.
      headers[`svix-${field}`] = value;
      headers[`webhook-${field}`] = field === 'timestamp' ? String(NOW_S) : 'v1,other';
    }
  }
  return { body, headers };
}

describe('the node:crypto verifier', () => {
  it('agrees with svix on valid, tampered, multi-signature, rotated and edge-timestamp deliveries', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(deliveryArb, (c) => {
        const { body, headers } = deliver(c);
        const instances = instancesOf(c);
        const ours = createVerifier(instances).verify(body, headers);
        const theirs = svixVerdict(instances, body, headers);
        expect(ours).toEqual(theirs);
        const key = ours.ok ? 'ok' : ours.reason;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }),
      { numRuns: 3000 },
    );
    // The generator reaches every verdict, acceptance included, often enough to mean something.
    for (const verdict of ['ok', 'missing_headers', 'stale_timestamp', 'bad_signature']) {
      expect(seen.get(verdict) ?? 0, verdict).toBeGreaterThan(100);
    }
  });

  it('agrees with svix on the exact edges of the five-minute window', () => {
    const secret = `whsec_${Buffer.alloc(24, 5).toString('base64')}`;
    const verifier = createVerifier(one(secret));
    for (const offset of [-301, -300, 300, 301]) {
      const timestamp = NOW_S + offset;
      const headers = {
        'svix-id': 'msg_edge',
        'svix-timestamp': String(timestamp),
        'svix-signature': new Webhook(secret).sign('msg_edge', new Date(timestamp * 1000), '{}'),
      };
      const ours = verifier.verify('{}', headers);
      expect(ours, `offset ${offset}`).toEqual(svixVerdict(one(secret), '{}', headers));
      expect(ours.ok, `offset ${offset}`).toBe(Math.abs(offset) <= TOLERANCE_SECONDS);
    }
  });

  it('matches the signature published in Svix documentation', () => {
    vi.setSystemTime(1_614_265_330_000);
    const verifier = createVerifier(one('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'));
    const headers = {
      'svix-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'svix-timestamp': '1614265330',
      'svix-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    };
    expect(verifier.verify('{"test": 2432232314}', headers)).toEqual({
      ok: true,
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      instance: 'default',
    });
    expect(verifier.verify('{"test": 2432232315}', headers)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('never accepts what svix refuses, whatever the header text', () => {
    const secret = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
    const verifier = createVerifier(one(secret));
    const timestampArb = fc.oneof(
      fc.string({ maxLength: 14 }),
      fc.integer({ min: -400, max: 400 }).map((d) => String(NOW_S + d)),
      fc
        .tuple(
          fc.constantFrom('', ' ', '+', '0', '-', '\t'),
          fc.integer({ min: -400, max: 400 }),
          fc.string({ maxLength: 3 }),
        )
        .map(([before, d, after]) => `${before}${NOW_S + d}${after}`),
    );
    const idArb = fc.oneof(fc.string({ maxLength: 20 }), svixIdArb, fc.stringMatching(/^\d{1,6}$/));
    let accepted = 0;
    fc.assert(
      fc.property(
        idArb,
        timestampArb,
        fc.boolean(),
        fc.string({ maxLength: 40 }),
        (id, timestamp, signed, body) => {
          // svix signs the parsed number; sign what it would check, so that acceptance is reachable.
          const at = new Date(Number.parseInt(timestamp, 10) * 1000);
          const signature =
            signed && !Number.isNaN(at.getTime()) ? new Webhook(secret).sign(id, at, body) : 'v1,junk';
          const headers = { 'svix-id': id, 'svix-timestamp': timestamp, 'svix-signature': signature };
          const ours = verifier.verify(body, headers);
          if (ours.ok) {
            accepted += 1;
            expect(svixVerdict(one(secret), body, headers)).toEqual(ours);
          }
        },
      ),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(100);
  });

  it('is stricter than svix only where it says so: timestamps that are not plain digits, svix-ids it cannot queue', () => {
    const secret = `whsec_${Buffer.alloc(32, 4).toString('base64')}`;
    const verifier = createVerifier(one(secret));
    const sign = (id: string, timestampHeader: string) => ({
      'svix-id': id,
      'svix-timestamp': timestampHeader,
      'svix-signature': new Webhook(secret).sign(
        id,
        new Date(Number.parseInt(timestampHeader, 10) * 1000),
        '{}',
      ),
    });
    for (const loose of [`${NOW_S}abc`, ` ${NOW_S}`, `+${NOW_S}`, `${NOW_S}.5`]) {
      const headers = sign('msg_loose', loose);
      expect(svixVerdict(one(secret), '{}', headers).ok, loose).toBe(true);
      expect(verifier.verify('{}', headers)).toEqual({ ok: false, reason: 'invalid_headers' });
    }
    for (const id of ['12345', 'msg with spaces', 'x'.repeat(129), 'msg_\u00e9']) {
      expect(SVIX_ID.test(id)).toBe(false);
      expect(verifier.verify('{}', sign(id, String(NOW_S)))).toEqual({
        ok: false,
        reason: 'invalid_svix_id',
      });
    }
  });

  it('decides headers, svix-id and timestamp before it sees a body', () => {
    const verifier = createVerifier(one(`whsec_${Buffer.alloc(32, 1).toString('base64')}`));
    const get = (headers: Record<string, string>) => (name: string) =>
      Object.hasOwn(headers, name) ? headers[name] : undefined;
    expect(verifier.checkHeaders(get({}))).toEqual({ ok: false, reason: 'missing_headers' });
    const stale = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(NOW_S - 301),
      'webhook-signature': 'v1,x',
    };
    expect(verifier.checkHeaders(get(stale))).toEqual({ ok: false, reason: 'stale_timestamp' });
    const unsigned = {
      'svix-id': 'msg_1',
      'svix-timestamp': String(NOW_S),
      'svix-signature': 'v2,abc v1,short',
    };
    expect(verifier.checkHeaders(get(unsigned))).toEqual({ ok: false, reason: 'bad_signature' });
    const plausible = { ...unsigned, 'svix-signature': `v1,${'A'.repeat(43)}=` };
    expect(verifier.checkHeaders(get(plausible))).toMatchObject({ ok: true, signed: { id: 'msg_1' } });
  });

  it('names the instance whose secret signed, among several instances each rotating', () => {
    const secret = (fill: number) => `whsec_${Buffer.alloc(32, fill).toString('base64')}`;
    const verifier = createVerifier([
      { name: 'prod', secrets: [secret(1), secret(2)] },
      { name: 'dev', secrets: [secret(3)] },
    ]);
    const signed = (key: string) => ({
      'svix-id': 'msg_instance',
      'svix-timestamp': String(NOW_S),
      'svix-signature': new Webhook(key).sign('msg_instance', new Date(NOW_S * 1000), '{}'),
    });
    for (const [fill, instance] of [
      [1, 'prod'],
      [2, 'prod'],
      [3, 'dev'],
    ] as const) {
      expect(verifier.verify('{}', signed(secret(fill)))).toEqual({ ok: true, id: 'msg_instance', instance });
    }
    expect(verifier.verify('{}', signed(secret(4)))).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses one secret under two instances, naming them and not the secret', () => {
    const shared = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const build = () =>
      createVerifier([
        { name: 'prod', secrets: [shared] },
        { name: 'dev', secrets: [`whsec_${Buffer.alloc(32, 8).toString('base64')}`, shared] },
      ]);
    expect(build).toThrow('instances prod and dev share a signing secret');
    expect(() => createVerifier([{ name: 'prod', secrets: [shared, shared] }])).not.toThrow();
  });
});

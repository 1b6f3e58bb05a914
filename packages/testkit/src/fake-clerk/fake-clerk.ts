import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { clerkObject, type FactoryEntity, TEST_INSTANCE_ID } from '../event-factory.js';
import { type CatalogKind, catalogObject } from './catalog-object.js';
import { type Catalog, catalogAnswer } from './catalog-routes.js';
import { CLERK_RATE_LIMITS, type RateLimit, TokenBucket } from './token-bucket.js';

type Json = Record<string, unknown>;

export interface FakeClerkOptions {
  /** The key clients must send as `Authorization: Bearer …`. */
  secretKey?: string;
  /** Clerk's rate limit to enforce (a preset or a custom bucket); `null` for none. */
  rateLimit?: keyof typeof CLERK_RATE_LIMITS | RateLimit | null;
  /** Added before every answer. */
  latencyMs?: number;
  /** What `GET /v1/instance` reports; distinct fakes stand for distinct instances. */
  instanceId?: string;
  environmentType?: 'production' | 'development';
  /** `false`: `GET /v1/instance` answers 403, as for a key that may not read it. */
  instanceReadable?: boolean;
}

export interface RecordedRequest {
  path: string;
  query: string;
  status: number;
  at: number;
}

interface Listed {
  items: Json[];
  index: Map<string, number>;
}

/** Ascending by created_at, then id: the order Clerk's cursor pagination walks. */
const byCreated = (a: Json, b: Json) =>
  (a.created_at as number) - (b.created_at as number) || String(a.id).localeCompare(String(b.id));

const USER_ORDERS = [
  'created_at',
  'updated_at',
  'email_address',
  'web3wallet',
  'first_name',
  'last_name',
  'phone_number',
  'username',
  'last_active_at',
  'last_sign_in_at',
];

/**
 * A fake of the Clerk Backend API endpoints a backfill calls, answering as
 * `shared/clerk/spec/backend-api-2026-05-12.yml` describes:
 * - `GET /v1/users` — a bare array; `limit` 1–500, `offset`, `order_by` (default `-created_at`), and
 *   `starting_after` cursor paging, which needs a created_at ordering and no offset (else 422);
 * - `GET /v1/users/count` — `{ object: "total_count", total_count }`;
 * - `GET /v1/organizations` — `{ data, total_count }`, `include_members_count`;
 * - `GET /v1/organization_memberships` — instance-wide, `{ data, total_count }`;
 * - `GET /v1/users/{id}`, `GET /v1/organizations/{id}` — one object, or 404;
 * - `GET /v1/organizations/{id}/memberships` — newest first, `user_id` filter (repeatable, `+`/`-` prefixes);
 * - `GET /v1/instance` — `{ object: "instance", id, environment_type, allowed_origins, workspace_id }`;
 * - organization invitations and domains, roles, permissions and waitlist entries: their listings
 *   (instance-wide and per organization) and gets by id, as `catalogAnswer` describes.
 * It checks the bearer key, answers `content-type: application/json`, enforces a token-bucket rate
 * limit with `429` and `Retry-After`, and can inject 5xx faults, throttling and latency.
 */
export class FakeClerk {
  readonly secretKey: string;
  readonly instanceId: string;
  readonly environmentType: 'production' | 'development';
  readonly requests: RecordedRequest[] = [];
  /** Paths of requests as they arrive, before `latencyMs` and the answer (`requests` records answers). */
  readonly arrivals: string[] = [];
  latencyMs: number;
  #bucket: TokenBucket | null;
  #server: Server | undefined;
  #faults: number[] = [];
  readonly #instanceReadable: boolean;
  #throttles: number[] = [];
  #users = new Map<string, Json>();
  #organizations = new Map<string, Json>();
  #memberships = new Map<string, Json>();
  #catalog: Catalog = new Map();
  #sorted = new Map<string, Listed>();
  url = '';

  constructor(options: FakeClerkOptions = {}) {
    this.secretKey = options.secretKey ?? 'sk_test_fake_clerk';
    this.instanceId = options.instanceId ?? TEST_INSTANCE_ID;
    this.environmentType = options.environmentType ?? 'development';
    this.#instanceReadable = options.instanceReadable ?? true;
    this.latencyMs = options.latencyMs ?? 0;
    const limit = options.rateLimit === undefined ? 'production' : options.rateLimit;
    this.#bucket =
      limit === null ? null : new TokenBucket(typeof limit === 'string' ? CLERK_RATE_LIMITS[limit] : limit);
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) =>
        this.#send(req, res, 500, errors('internal', String(error))),
      );
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  /**
   * Deterministic data: user i is `user_<i>` created at `base + i s`, organization j is `org_<j>`, and
   * membership k joins user `k mod users` to organization `k mod organizations`. Invitations and
   * domains (`orginv_<k>`, `orgdmn_<k>`) belong to organization `k mod organizations`; roles,
   * permissions and waitlist entries are `role_<k>`, `perm_<k>` and `wle_<k>`.
   */
  seed(counts: SeedCounts, base = 1_700_000_000_000): void {
    const pad = (n: number) => String(n).padStart(7, '0');
    for (let i = 0; i < (counts.users ?? 0); i++) {
      const entity: FactoryEntity = { kind: 'user', id: `user_${pad(i)}`, createdAt: base + i * 1000 };
      this.putUser(clerkObject(entity, entity.createdAt + (i % 7) * 100));
    }
    const orgs = counts.organizations ?? 0;
    for (let j = 0; j < orgs; j++) {
      const entity: FactoryEntity = { kind: 'organization', id: `org_${pad(j)}`, createdAt: base + j * 1000 };
      this.putOrganization(clerkObject(entity, entity.createdAt + 50));
    }
    const users = counts.users ?? 0;
    for (let k = 0; k < (counts.memberships ?? 0) && users > 0 && orgs > 0; k++) {
      const entity: FactoryEntity = {
        kind: 'organization_membership',
        id: `orgmem_${pad(k)}`,
        createdAt: base + k * 1000,
        userId: `user_${pad(k % users)}`,
        organizationId: `org_${pad(k % orgs)}`,
      };
      this.putMembership(clerkObject(entity, entity.createdAt + 10));
    }
    this.#seedCatalog(counts, base);
  }

  #seedCatalog(counts: SeedCounts, base: number): void {
    const pad = (n: number) => String(n).padStart(7, '0');
    const orgs = counts.organizations ?? 0;
    const kinds = [
      ['organization_invitation', 'orginv', counts.invitations, true],
      ['organization_domain', 'orgdmn', counts.domains, true],
      ['role', 'role', counts.roles, false],
      ['permission', 'perm', counts.permissions, false],
      ['waitlist_entry', 'wle', counts.waitlistEntries, false],
    ] as const;
    for (const [kind, prefix, count, inOrganization] of kinds) {
      if (inOrganization && orgs === 0) continue;
      for (let k = 0; k < (count ?? 0); k++) {
        const createdAt = base + k * 1000;
        const organizationId = inOrganization ? `org_${pad(k % orgs)}` : undefined;
        const entity = { kind, id: `${prefix}_${pad(k)}`, createdAt, organizationId };
        this.put(catalogObject(entity, createdAt + 20));
      }
    }
  }

  /** Adds or replaces an invitation, domain, role, permission or waitlist entry (by its `object`). */
  put(object: Json): void {
    const kind = catalogKind(object.object);
    let objects = this.#catalog.get(kind);
    if (!objects) {
      objects = new Map();
      this.#catalog.set(kind, objects);
    }
    objects.set(String(object.id), object);
  }

  /** Deletes without any webhook, as when deliveries were lost. */
  remove(kind: CatalogKind, id: string): void {
    this.#catalog.get(kind)?.delete(id);
  }

  /** An invitation, domain, role, permission or waitlist entry as the fake holds it. */
  object(kind: CatalogKind, id: string): Json | undefined {
    return this.#catalog.get(kind)?.get(id);
  }

  /** Every object of `kind` the fake holds. */
  objects(kind: CatalogKind): Json[] {
    return [...(this.#catalog.get(kind)?.values() ?? [])];
  }

  putUser(user: Json): void {
    this.#users.set(String(user.id), user);
    this.#invalidate('users');
  }

  putOrganization(organization: Json): void {
    this.#organizations.set(String(organization.id), organization);
    this.#invalidate('organizations');
  }

  putMembership(membership: Json): void {
    this.#memberships.set(String(membership.id), membership);
    this.#invalidate('memberships');
  }

  /** Changes a user as Clerk would: the patch applies and `updated_at` moves to `at`. */
  updateUser(id: string, patch: Json, at = Date.now()): Json {
    const user = this.#users.get(id);
    if (!user) throw new Error(`no user ${id}`);
    const next = { ...user, ...patch, updated_at: at };
    this.putUser(next);
    return next;
  }

  /** Deletes without any webhook, as when deliveries were lost. */
  deleteUser(id: string): void {
    this.#users.delete(id);
    this.#invalidate('users');
  }

  deleteOrganization(id: string): void {
    this.#organizations.delete(id);
    this.#invalidate('organizations');
  }

  deleteMembership(id: string): void {
    this.#memberships.delete(id);
    this.#invalidate('memberships');
  }

  user(id: string): Json | undefined {
    return this.#users.get(id);
  }

  get counts() {
    return {
      users: this.#users.size,
      organizations: this.#organizations.size,
      memberships: this.#memberships.size,
    };
  }

  /** The next `count` requests to list endpoints answer `status` (default 503). */
  failNext(count: number, status = 503): void {
    for (let i = 0; i < count; i++) this.#faults.push(status);
  }

  /** The next `count` requests answer 429 with `Retry-After: retryAfterSeconds`, whatever the bucket says. */
  throttleNext(count: number, retryAfterSeconds = 1): void {
    for (let i = 0; i < count; i++) this.#throttles.push(retryAfterSeconds);
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<true> {
    this.arrivals.push(new URL(req.url ?? '/', 'http://fake').pathname);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.headers.authorization !== `Bearer ${this.secretKey}`) {
      return this.#send(req, res, 401, errors('authentication_invalid', 'Invalid or missing secret key'));
    }
    const throttle = this.#throttles.shift();
    if (throttle !== undefined)
      return this.#send(req, res, 429, errors('too_many_requests', 'Rate limited'), throttle);
    const taken = this.#bucket?.take() ?? { ok: true as const };
    if (!taken.ok) {
      return this.#send(req, res, 429, errors('too_many_requests', 'Rate limited'), taken.retryAfterSeconds);
    }
    const fault = this.#faults.shift();
    if (fault !== undefined)
      return this.#send(req, res, fault, errors('internal_clerk_error', 'Injected fault'));
    if (req.method !== 'GET')
      return this.#send(req, res, 405, errors('method_not_allowed', 'Only GET is faked'));

    const paging = readPaging(url.searchParams);
    if ('error' in paging) return this.#send(req, res, 422, errors('form_param_value_invalid', paging.error));
    const answer = catalogAnswer(url, paging, this.#catalog, (id) => this.#organizations.has(id));
    if (answer) return this.#send(req, res, answer.status, answer.body);
    switch (url.pathname) {
      case '/v1/users':
        return this.#listUsers(req, res, url.searchParams, paging);
      case '/v1/instance':
        if (!this.#instanceReadable) {
          return this.#send(
            req,
            res,
            403,
            errors('authorization_invalid', 'Not allowed to read the instance'),
          );
        }
        return this.#send(req, res, 200, {
          object: 'instance',
          id: this.instanceId,
          environment_type: this.environmentType,
          allowed_origins: null,
          workspace_id: null,
        });
      case '/v1/users/count':
        return this.#send(req, res, 200, { object: 'total_count', total_count: this.#users.size });
      case '/v1/organizations': {
        const withCounts = url.searchParams.get('include_members_count') === 'true';
        const counts = withCounts ? this.#membersPerOrganization() : undefined;
        const page = this.#page('organizations', this.#organizations, url.searchParams, paging);
        if ('error' in page) return this.#send(req, res, 422, errors('form_param_value_invalid', page.error));
        const data = counts
          ? page.items.map((o) => ({ ...o, members_count: counts.get(String(o.id)) ?? 0 }))
          : page.items;
        return this.#send(req, res, 200, { data, total_count: this.#organizations.size });
      }
      case '/v1/organization_memberships': {
        const page = this.#page('memberships', this.#memberships, url.searchParams, paging);
        if ('error' in page) return this.#send(req, res, 422, errors('form_param_value_invalid', page.error));
        return this.#send(req, res, 200, { data: page.items, total_count: this.#memberships.size });
      }
      default:
        return this.#getOne(req, res, url, paging);
    }
  }

  /** `GET /v1/users/{id}`, `GET /v1/organizations/{id}` and `GET /v1/organizations/{id}/memberships`. */
  #getOne(req: IncomingMessage, res: ServerResponse, url: URL, paging: Paging): true {
    const notFound = () => this.#send(req, res, 404, errors('resource_not_found', 'not found'));
    const [, v1, collection, id, sub] = url.pathname.split('/');
    if (v1 !== 'v1' || !id) return notFound();
    if (collection === 'users' && !sub) {
      const user = this.#users.get(id);
      return user ? this.#send(req, res, 200, user) : notFound();
    }
    if (collection !== 'organizations') return notFound();
    const organization = this.#organizations.get(id);
    if (!organization) return notFound();
    if (!sub) return this.#send(req, res, 200, organization);
    if (sub !== 'memberships') return notFound();
    const members = [...this.#memberships.values()]
      .filter((m) => (m.organization as Json).id === id)
      .filter(userFilter(url.searchParams.getAll('user_id')))
      .sort(byCreated)
      .reverse();
    return this.#send(req, res, 200, {
      data: members.slice(paging.offset, paging.offset + paging.limit),
      total_count: members.length,
    });
  }

  #listUsers(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, paging: Paging): true {
    const order = query.get('order_by') ?? '-created_at';
    const field = order.replace(/^[+-]/, '');
    if (!USER_ORDERS.includes(field)) {
      return this.#send(
        req,
        res,
        422,
        errors('form_param_value_invalid', `order_by: unknown field ${field}`),
      );
    }
    const cursor = query.get('starting_after');
    if (cursor !== null) {
      if (field !== 'created_at') {
        return this.#send(
          req,
          res,
          422,
          errors('form_param_value_invalid', 'starting_after needs created_at ordering'),
        );
      }
      if (paging.offset > 0) {
        return this.#send(
          req,
          res,
          422,
          errors('form_param_value_invalid', 'starting_after cannot be combined with offset'),
        );
      }
    }
    const page = this.#page('users', this.#users, query, paging, cursor);
    if ('error' in page) return this.#send(req, res, 422, errors('form_param_value_invalid', page.error));
    return this.#send(req, res, 200, page.items);
  }

  /** A page in created_at order (`order_by` with `-` reverses it); other orderings are served by created_at too. */
  #page(
    name: string,
    source: Map<string, Json>,
    query: URLSearchParams,
    paging: Paging,
    cursor: string | null = null,
  ): { items: Json[] } | { error: string } {
    const descending = (query.get('order_by') ?? '-created_at').startsWith('-');
    const key = `${name}:${descending ? 'desc' : 'asc'}`;
    let listed = this.#sorted.get(key);
    if (!listed) {
      const items = [...source.values()].sort(byCreated);
      if (descending) items.reverse();
      listed = { items, index: new Map(items.map((item, i) => [String(item.id), i])) };
      this.#sorted.set(key, listed);
    }
    let start = paging.offset;
    if (cursor !== null) {
      const at = listed.index.get(cursor);
      if (at === undefined) return { error: `starting_after: no object with id ${cursor}` };
      start = at + 1;
    }
    return { items: listed.items.slice(start, start + paging.limit) };
  }

  #invalidate(name: string): void {
    this.#sorted.delete(`${name}:asc`);
    this.#sorted.delete(`${name}:desc`);
  }

  #membersPerOrganization(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const m of this.#memberships.values()) {
      const id = String((m.organization as Json).id);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  /** Answers and records the request; returns true so handlers can `return this.#send(…)`. */
  #send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, retryAfter?: number): true {
    const url = new URL(req.url ?? '/', 'http://fake');
    this.requests.push({ path: url.pathname, query: url.search, status, at: Date.now() });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
    res.writeHead(status, headers);
    res.end(JSON.stringify(body));
    return true;
  }
}

interface Paging {
  limit: number;
  offset: number;
}

export interface SeedCounts {
  users?: number;
  organizations?: number;
  memberships?: number;
  invitations?: number;
  domains?: number;
  roles?: number;
  permissions?: number;
  waitlistEntries?: number;
}

const catalogKinds: readonly CatalogKind[] = [
  'organization_invitation',
  'organization_domain',
  'role',
  'permission',
  'waitlist_entry',
];

function catalogKind(object: unknown): CatalogKind {
  const kind = catalogKinds.find((k) => k === object);
  if (!kind) throw new Error(`put: not an object the fake keeps apart: ${String(object)}`);
  return kind;
}

function readPaging(query: URLSearchParams): Paging | { error: string } {
  const limit = Number(query.get('limit') ?? 10);
  const offset = Number(query.get('offset') ?? 0);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    return { error: 'limit must be an integer from 1 to 500' };
  if (!Number.isInteger(offset) || offset < 0) return { error: 'offset must be a non-negative integer' };
  return { limit, offset };
}

/** The spec's `user_id` filter: ids to include (bare or `+`) and to exclude (`-`); none keeps all. */
function userFilter(values: string[]): (membership: Json) => boolean {
  const include = values.filter((v) => !v.startsWith('-')).map((v) => v.replace(/^\+/, ''));
  const exclude = new Set(values.filter((v) => v.startsWith('-')).map((v) => v.slice(1)));
  return (membership) => {
    const userId = String((membership.public_user_data as Json | undefined)?.user_id);
    return !exclude.has(userId) && (include.length === 0 || include.includes(userId));
  };
}

function errors(code: string, message: string) {
  return { errors: [{ message, long_message: message, code }], clerk_trace_id: 'fake' };
}

import type { EntityTable } from '../schema/entity-table.js';
import { invitationTable } from '../tables/organization-invitation.table.js';
import { waitlistEntryTable } from '../tables/waitlist-entry.table.js';
import { qualified } from './entity-sql.js';

/**
 * A synced table whose rows may hold someone's address: which column holds it, and which column (if
 * any) names the user. Clearing a row nulls all of the table's `personal` columns.
 */
export interface AddressTable {
  table: EntityTable;
  address: string;
  user: string | null;
}

/** The synced tables besides `users` that hold addresses (privacy.md: cleared when the user is deleted). */
export const addressTables: readonly AddressTable[] = [
  { table: invitationTable, address: 'email_address', user: 'user_id' },
  { table: waitlistEntryTable, address: 'email_address', user: null },
];

/** The statements that make erasure hold, built once per schema. */
export interface ErasureSql {
  /**
   * Before a batch writes `users`: keeps the address hashes of its user upserts (`$1`: user_id, hash,
   * kind, hashed by the caller with `addressHash`) and, for the users it deletes (`$2`: ids), hashes
   * the addresses their rows still hold, in `user_address_hashes`. A tombstone clears the row right
   * after, so this is the last chance.
   */
  remember: string;
  /**
   * After every other write of a batch: the users it deleted, and those it touched that were erased
   * before (`$1`: user_id, deleted), get registry entries for their id and every address hash known
   * for them (kept hashes, invitations they accepted, messages sent to them), under the svix-id of
   * their delete: the one their row or tombstone records. Returns the new entries.
   */
  register: string;
  /**
   * Per address table, then `messages`: clears the rows that match the registry, among the rows this
   * batch wrote (`$2`: ids) and every row of the subjects just registered (`$1`: subject, event_id).
   * The row's `last_event_id` becomes the delete's svix-id when a new entry matched it, and stays the
   * svix-id of the write that brought the value otherwise, so the audit trigger records the erasure
   * under the right delivery. `messages` has no audit trigger: its statement writes the audit rows.
   */
  redact: Map<string, string>;
  redactMessages: string;
}

const bySchema = new Map<string, ErasureSql>();

export function erasureSqlFor(schema: string): ErasureSql {
  let built = bySchema.get(schema);
  if (!built) {
    built = buildErasureSql(schema);
    bySchema.set(schema, built);
  }
  return built;
}

const q = (name: string) => `"${name}"`;

/** Rows of one instance, or a side that records none (rows and entries from before instances). */
const sameInstance = (a: string, b: string) =>
  `(${a}."instance_id" IS NULL OR ${b}."instance_id" IS NULL OR ${a}."instance_id" = ${b}."instance_id")`;

function buildErasureSql(schema: string): ErasureSql {
  const t = (name: string) => qualified(schema, name);
  const hash = (value: string) => `${q(schema)}."address_hash"(${value})`;
  const kindOf = (value: string) => `CASE WHEN strpos(${value}, '@') > 0 THEN 'email' ELSE 'phone' END`;
  const ids = (param: string) => `ARRAY(SELECT jsonb_array_elements_text(${param}::jsonb))`;
  /** The entries just registered, one svix-id per subject (the first, when two deletes share an address). */
  const fresh = `fresh AS (
  SELECT DISTINCT ON (f."subject") f."subject", f."event_id"
  FROM jsonb_to_recordset($1::jsonb) AS f("subject" text, "event_id" text)
  ORDER BY f."subject", f."event_id"
)`;
  const freshSubjects = `ARRAY(SELECT "subject" FROM fresh)`;
  /** The row `x` matches an entry of the registry of its own instance (or an entry of none). */
  const inRegistry = (subjects: string) =>
    `EXISTS (SELECT 1 FROM ${t('erased_subjects')} r WHERE r."subject" IN (${subjects}) AND ${sameInstance('r', 'x')})`;
  /**
   * Updates the rows of `target` only. The `= ANY` lets the planner fetch them by primary key instead
   * of hash-joining the whole table with a CTE whose size it cannot estimate.
   */
  const ofTarget = `x."id" = target."id" AND x."id" = ANY(ARRAY(SELECT "id" FROM target))`;

  const remember = `INSERT INTO ${t('user_address_hashes')} ("user_id", "hash", "kind")
SELECT x."user_id", x."hash", x."kind"
FROM jsonb_to_recordset($1::jsonb) AS x("user_id" text, "hash" text, "kind" text, "instance_id" text)
WHERE NOT EXISTS (SELECT 1 FROM ${t('users')} o WHERE o."id" = x."user_id" AND NOT ${sameInstance('o', 'x')})
  AND NOT EXISTS (
    SELECT 1 FROM ${t('tombstones')} o WHERE o."entity" = 'users' AND o."id" = x."user_id" AND NOT ${sameInstance('o', 'x')}
  )
UNION
SELECT u."id", a."hash", a."kind"
FROM ${t('users')} u
CROSS JOIN LATERAL (VALUES (${hash('u."email"')}, 'email'), (${hash('u."phone_number"')}, 'phone')) AS a("hash", "kind")
WHERE u."id" = ANY(${ids('$2')}) AND a."hash" IS NOT NULL
ORDER BY 1, 2
ON CONFLICT DO NOTHING`;

  // Lookups go through `= ANY(ARRAY(…))` and correlated subqueries, so each is an index probe: the
  // planner cannot estimate how many rows a jsonb parameter holds, and would otherwise scan tables.
  const deletedIds = `ARRAY(SELECT "user_id" FROM deleted)`;
  const register = `WITH deleted AS (
  SELECT c."user_id", COALESCE(
    (SELECT r."event_id" FROM ${t('erased_subjects')} r WHERE r."subject" = c."user_id" AND r."user_id" = c."user_id"),
    (SELECT u."last_event_id" FROM ${t('users')} u WHERE u."id" = c."user_id" AND u."deleted_at" IS NOT NULL),
    (SELECT tb."last_event_id" FROM ${t('tombstones')} tb WHERE tb."entity" = 'users' AND tb."id" = c."user_id")
  ) AS "event_id", COALESCE(
    (SELECT u."instance_id" FROM ${t('users')} u WHERE u."id" = c."user_id"),
    (SELECT tb."instance_id" FROM ${t('tombstones')} tb WHERE tb."entity" = 'users' AND tb."id" = c."user_id")
  ) AS "instance_id"
  FROM jsonb_to_recordset($1::jsonb) AS c("user_id" text, "deleted" boolean)
  WHERE c."deleted"
    OR EXISTS (SELECT 1 FROM ${t('erased_subjects')} r WHERE r."subject" = c."user_id" AND r."user_id" = c."user_id")
    OR EXISTS (SELECT 1 FROM ${t('users')} u WHERE u."id" = c."user_id" AND u."deleted_at" IS NOT NULL)
    OR EXISTS (SELECT 1 FROM ${t('tombstones')} tb WHERE tb."entity" = 'users' AND tb."id" = c."user_id")
),
found AS (
  SELECT d."user_id" AS "subject", 'user' AS "kind", d."user_id", d."event_id", d."instance_id" FROM deleted d
  UNION ALL
  SELECT a."hash", a."kind", d."user_id", d."event_id", d."instance_id"
  FROM ${t('user_address_hashes')} a JOIN deleted d ON d."user_id" = a."user_id"
  WHERE a."user_id" = ANY(${deletedIds})
  UNION ALL
  SELECT ${hash('i."email_address"')}, ${kindOf('i."email_address"')}, d."user_id", d."event_id", d."instance_id"
  FROM ${t('organization_invitations')} i JOIN deleted d ON d."user_id" = i."user_id"
  WHERE i."user_id" = ANY(${deletedIds}) AND i."email_address" IS NOT NULL AND ${sameInstance('i', 'd')}
  UNION ALL
  SELECT ${hash('m."to_address"')}, CASE WHEN m."kind" = 'sms' THEN 'phone' ELSE 'email' END, d."user_id", d."event_id",
    d."instance_id"
  FROM ${t('messages')} m JOIN deleted d ON d."user_id" = m."user_id"
  WHERE m."user_id" = ANY(${deletedIds}) AND m."to_address" IS NOT NULL AND ${sameInstance('m', 'd')}
),
moved AS (
  DELETE FROM ${t('user_address_hashes')} a WHERE a."user_id" = ANY(${deletedIds})
)
INSERT INTO ${t('erased_subjects')} ("subject", "kind", "user_id", "event_id", "instance_id")
SELECT DISTINCT ON ("subject", "user_id") "subject", "kind", "user_id", "event_id", "instance_id"
FROM found WHERE "subject" IS NOT NULL
ORDER BY "subject", "user_id"
ON CONFLICT ("subject", "user_id") DO NOTHING
RETURNING "subject", "kind", "user_id", "event_id"`;

  const redact = new Map<string, string>();
  for (const { table, address, user } of addressTables) {
    const value = `x.${q(address)}`;
    const owner = user ? `x.${q(user)}` : 'NULL::text';
    const candidates = [
      `x."id" = ANY(${ids('$2')})`,
      ...(user ? [`${owner} = ANY(${freshSubjects})`] : []),
      `${hash(value)} = ANY(${freshSubjects})`,
    ].join(' OR ');
    redact.set(
      table.name,
      `WITH ${fresh},
target AS (
  SELECT x."id", COALESCE(fa."event_id", fu."event_id", x."last_event_id") AS "event_id"
  FROM ${t(table.name)} x
  CROSS JOIN LATERAL (SELECT ${hash(value)} AS "hash") h
  LEFT JOIN fresh fa ON fa."subject" = h."hash"
  LEFT JOIN fresh fu ON fu."subject" = ${owner}
  WHERE ${value} IS NOT NULL AND (${candidates}) AND ${inRegistry(`h."hash", ${owner}`)}
  ORDER BY x."id"
  FOR UPDATE OF x
)
UPDATE ${t(table.name)} AS x SET ${table.personal.map((c) => `${q(c)} = NULL`).join(', ')}, "last_event_id" = target."event_id"
FROM target WHERE ${ofTarget}
RETURNING x."id"`,
    );
  }

  const redactMessages = `WITH ${fresh},
target AS (
  SELECT x."id", COALESCE(fa."event_id", fu."event_id", x."svix_id") AS "event_id",
    array_remove(ARRAY[${['to_address', 'subject', 'body'].map((c) => `CASE WHEN x.${q(c)} IS NOT NULL THEN '${c}' END`).join(', ')}]::text[], NULL) AS "fields"
  FROM ${t('messages')} x
  CROSS JOIN LATERAL (SELECT ${hash('x."to_address"')} AS "hash") h
  LEFT JOIN fresh fa ON fa."subject" = h."hash"
  LEFT JOIN fresh fu ON fu."subject" = x."user_id"
  WHERE (x."to_address" IS NOT NULL OR x."subject" IS NOT NULL OR x."body" IS NOT NULL)
    AND (x."id" = ANY(${ids('$2')}) OR x."user_id" = ANY(${freshSubjects})
      OR (x."to_address" IS NOT NULL AND ${hash('x."to_address"')} = ANY(${freshSubjects})))
    AND ${inRegistry('h."hash", x."user_id"')}
  ORDER BY x."id"
  FOR UPDATE OF x
),
redacted AS (
  UPDATE ${t('messages')} AS x SET "to_address" = NULL, "subject" = NULL, "body" = NULL
  FROM target WHERE ${ofTarget}
  RETURNING x."id"
)
INSERT INTO ${t('audit_log')} ("event_id", "entity", "entity_id", "action", "changed_fields", "version")
SELECT target."event_id", 'messages', target."id", 'update', target."fields", NULL
FROM target JOIN redacted ON redacted."id" = target."id"
ORDER BY target."id"
RETURNING "entity_id"`;

  return { remember, register, redact, redactMessages };
}

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
   * Before a batch writes `users`: hash every address of its user upserts (`$1`: user_id, address)
   * and, for the users it deletes (`$2`: ids), the addresses their rows still hold, into
   * `user_address_hashes`. A tombstone clears the row right after, so this is the last chance.
   */
  remember: string;
  /**
   * After every other write of a batch: of the users it touched (`$1`: ids), those that are deleted
   * get registry entries for their id and every address hash known for them (kept hashes, invitations
   * they accepted, messages sent to them), under the svix-id of their delete. Returns the new entries.
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

function buildErasureSql(schema: string): ErasureSql {
  const t = (name: string) => qualified(schema, name);
  const hash = (value: string) => `${q(schema)}."address_hash"(${value})`;
  const kindOf = (value: string) => `CASE WHEN strpos(${value}, '@') > 0 THEN 'email' ELSE 'phone' END`;
  const ids = (param: string) => `ARRAY(SELECT jsonb_array_elements_text(${param}::jsonb))`;
  const fresh = `fresh AS (SELECT f."subject", f."event_id" FROM jsonb_to_recordset($1::jsonb) AS f("subject" text, "event_id" text))`;
  const freshSubjects = `ARRAY(SELECT "subject" FROM fresh)`;
  /** The svix-id to record a redaction under: a new entry's delete if one matched, else the row's own writer. */
  const eventOf = (subjects: string, fallback: string) =>
    `COALESCE((SELECT f."event_id" FROM fresh f WHERE f."subject" IN (${subjects}) ORDER BY f."event_id" LIMIT 1), ${fallback})`;
  const inRegistry = (subjects: string) =>
    `EXISTS (SELECT 1 FROM ${t('erased_subjects')} r WHERE r."subject" IN (${subjects}))`;

  const remember = `INSERT INTO ${t('user_address_hashes')} ("user_id", "hash", "kind")
SELECT x."user_id", ${hash('x."address"')}, ${kindOf('x."address"')}
FROM jsonb_to_recordset($1::jsonb) AS x("user_id" text, "address" text)
WHERE ${hash('x."address"')} IS NOT NULL
UNION
SELECT u."id", ${hash('a."address"')}, a."kind"
FROM ${t('users')} u CROSS JOIN LATERAL (VALUES (u."email", 'email'), (u."phone_number", 'phone')) AS a("address", "kind")
WHERE u."id" = ANY(${ids('$2')}) AND ${hash('a."address"')} IS NOT NULL
ORDER BY 1, 2
ON CONFLICT DO NOTHING`;

  const register = `WITH touched AS (SELECT DISTINCT jsonb_array_elements_text($1::jsonb) AS "user_id"),
deleted AS (
  SELECT c."user_id", COALESCE(r."event_id", u."last_event_id", tb."last_event_id") AS "event_id"
  FROM touched c
  LEFT JOIN ${t('erased_subjects')} r ON r."subject" = c."user_id" AND r."user_id" = c."user_id"
  LEFT JOIN ${t('users')} u ON u."id" = c."user_id" AND u."deleted_at" IS NOT NULL
  LEFT JOIN ${t('tombstones')} tb ON tb."entity" = 'users' AND tb."id" = c."user_id"
  WHERE r."user_id" IS NOT NULL OR u."id" IS NOT NULL OR tb."id" IS NOT NULL
),
found AS (
  SELECT d."user_id" AS "subject", 'user' AS "kind", d."user_id", d."event_id" FROM deleted d
  UNION ALL
  SELECT a."hash", a."kind", d."user_id", d."event_id"
  FROM deleted d JOIN ${t('user_address_hashes')} a ON a."user_id" = d."user_id"
  UNION ALL
  SELECT ${hash('i."email_address"')}, ${kindOf('i."email_address"')}, d."user_id", d."event_id"
  FROM deleted d JOIN ${t('organization_invitations')} i ON i."user_id" = d."user_id"
  WHERE i."email_address" IS NOT NULL
  UNION ALL
  SELECT ${hash('m."to_address"')}, CASE WHEN m."kind" = 'sms' THEN 'phone' ELSE 'email' END, d."user_id", d."event_id"
  FROM deleted d JOIN ${t('messages')} m ON m."user_id" = d."user_id"
  WHERE m."to_address" IS NOT NULL
),
moved AS (
  DELETE FROM ${t('user_address_hashes')} a USING deleted d WHERE a."user_id" = d."user_id"
)
INSERT INTO ${t('erased_subjects')} ("subject", "kind", "user_id", "event_id")
SELECT DISTINCT ON ("subject", "user_id") "subject", "kind", "user_id", "event_id"
FROM found WHERE "subject" IS NOT NULL
ORDER BY "subject", "user_id"
ON CONFLICT ("subject", "user_id") DO NOTHING
RETURNING "subject", "kind", "user_id", "event_id"`;

  const redact = new Map<string, string>();
  for (const { table, address, user } of addressTables) {
    const value = `x.${q(address)}`;
    const subjects = [hash(value), ...(user ? [`x.${q(user)}`] : [])].join(', ');
    const candidates = [
      `x."id" = ANY(${ids('$2')})`,
      ...(user ? [`x.${q(user)} = ANY(${freshSubjects})`] : []),
      `${hash(value)} = ANY(${freshSubjects})`,
    ].join(' OR ');
    redact.set(
      table.name,
      `WITH ${fresh},
target AS (
  SELECT x."id", ${eventOf(subjects, 'x."last_event_id"')} AS "event_id"
  FROM ${t(table.name)} x
  WHERE ${value} IS NOT NULL AND (${candidates}) AND ${inRegistry(subjects)}
  ORDER BY x."id"
  FOR UPDATE OF x
)
UPDATE ${t(table.name)} AS x SET ${table.personal.map((c) => `${q(c)} = NULL`).join(', ')}, "last_event_id" = target."event_id"
FROM target WHERE x."id" = target."id"
RETURNING x."id"`,
    );
  }

  const messageSubjects = `${hash('x."to_address"')}, x."user_id"`;
  const redactMessages = `WITH ${fresh},
target AS (
  SELECT x."id", ${eventOf(messageSubjects, 'x."svix_id"')} AS "event_id",
    array_remove(ARRAY[${['to_address', 'subject', 'body'].map((c) => `CASE WHEN x.${q(c)} IS NOT NULL THEN '${c}' END`).join(', ')}]::text[], NULL) AS "fields"
  FROM ${t('messages')} x
  WHERE (x."to_address" IS NOT NULL OR x."subject" IS NOT NULL OR x."body" IS NOT NULL)
    AND (x."id" = ANY(${ids('$2')}) OR x."user_id" = ANY(${freshSubjects})
      OR (x."to_address" IS NOT NULL AND ${hash('x."to_address"')} = ANY(${freshSubjects})))
    AND ${inRegistry(messageSubjects)}
  ORDER BY x."id"
  FOR UPDATE OF x
),
redacted AS (
  UPDATE ${t('messages')} AS x SET "to_address" = NULL, "subject" = NULL, "body" = NULL
  FROM target WHERE x."id" = target."id"
  RETURNING x."id"
)
INSERT INTO ${t('audit_log')} ("event_id", "entity", "entity_id", "action", "changed_fields", "version")
SELECT target."event_id", 'messages', target."id", 'update', target."fields", NULL
FROM target JOIN redacted ON redacted."id" = target."id"
ORDER BY target."id"
RETURNING "entity_id"`;

  return { remember, register, redact, redactMessages };
}

import type { ChangeOp, EntityTableName } from '@clerk-sync/db/types';

/**
 * One entry of the change feed (`changes`): which row of which table changed, how, to which version,
 * and the names of the fields that changed. Never the values: read the row for those.
 */
export interface Change {
  /** Position in the feed, increasing in commit order. Store it; resume with `subscribe({ from: seq })`. */
  seq: number;
  /** The table: `users`, `organizations`, `organization_memberships`, … */
  entity: EntityTableName;
  /** The row's `id`. */
  entityId: string;
  op: ChangeOp;
  /** The row's `version` after the change (epoch ms). */
  version: number | null;
  changedFields: string[];
  /** svix-id of the webhook delivery, or `backfill` / `reconcile`. */
  source: string | null;
  changedAt: Date;
}

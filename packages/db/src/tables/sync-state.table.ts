import type { Generated } from 'kysely';

/** A backfill's checkpoint for one object type: a cursor (users) or an offset (the offset-paged lists). */
export interface SyncStateTable {
  object_type: string;
  cursor: string | null;
  next_offset: Generated<number>;
  seen: Generated<number>;
  total: number | null;
  done: Generated<boolean>;
  started_at: Generated<Date>;
  updated_at: Generated<Date>;
}

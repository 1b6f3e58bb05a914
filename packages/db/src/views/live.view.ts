import { type EntityColumns, type EntityTable, entityRelation } from '../schema/entity-table.js';
import type { Relation } from '../schema/relation.js';
import { entityTables } from '../tables/entity-tables.js';

/** The `<table>_live` view of a synced table: its rows without tombstones (`deleted_at IS NULL`), every column. */
export interface LiveView<T extends EntityTable> extends Relation {
  readonly name: `${T['name']}_live`;
  readonly kind: 'view';
  readonly columns: EntityColumns<T>;
}

/** The live view of `table`, with the same columns as the table. */
export function liveView<T extends EntityTable>(table: T): LiveView<T> {
  return { name: `${table.name}_live`, kind: 'view', columns: entityRelation(table).columns };
}

/** One live view per synced table (every synced table has `deleted_at`), in the order of {@link entityTables}. */
export const liveViews: readonly Relation[] = entityTables.map(liveView);

/** The name of every live view: `users_live`, `organizations_live`, … */
export type LiveViewName = `${(typeof entityTables)[number]['name']}_live`;

import { type Column, type ColumnType, notNull, nullable } from './column.js';

/**
 * How a synced table is written. `columns` are its data columns, all nullable (Clerk may leave any
 * field out, and a tombstone nulls its personal ones); every synced table also has the
 * {@link lifecycleColumns} and `id`, which the apply path writes itself.
 * - `immutable`: facts that never change for an entity (when it was created, which org a membership
 *   is in). They are kept on tombstones and filled in by any event that carries them, even a stale one,
 *   so the final row does not depend on arrival order.
 * - `personal`: nulled on delete (right to erasure); tombstones keep identity and immutable facts only.
 * - `keptOnDelete`: identifiers that may change while the entity lives but that a tombstone keeps, so
 *   that your own records can still be matched to it (a user's `external_id`). The delete event's own
 *   value wins; without one the tombstone keeps the row's, and a tombstone still without one takes it
 *   from the first event that brings it, even a stale one. Never personal.
 * Every other data column of a tombstone holds what the delete event says, or NULL.
 */
export interface EntityTable {
  name: string;
  columns: Readonly<Record<string, ColumnType>>;
  immutable: readonly string[];
  personal: readonly string[];
  keptOnDelete: readonly string[];
}

/**
 * The columns every synced table has besides `id` and its data: tombstone time, the order key of the
 * change that wrote the row (`version`, `event_ts`, `svix_id`: see `OrderKey`), and the last writer.
 */
export const lifecycleColumns = {
  deleted_at: nullable('timestamptz'),
  /** Ordering version in ms: only a change with an equal or newer order key may overwrite the row. */
  version: notNull('bigint'),
  /** The svix-id of the delivery that last changed the row, or `backfill` / `reconcile`. */
  last_event_id: nullable('text'),
  /** The envelope timestamp (ms) of the event that wrote the row; NULL for snapshots and older rows. */
  event_ts: nullable('bigint'),
  /** The svix-id of the event that wrote the row, as the last tie-break; NULL for snapshots and older rows. */
  svix_id: nullable('text'),
  /**
   * The Clerk instance (`ins_…`) the row belongs to; NULL for rows written before instances were
   * recorded, until an instance claims or adopts them. Another instance's changes never write it.
   */
  instance_id: nullable('text'),
} as const;

/** `created_at` and `updated_at`, as Clerk sends them on every object: spread into a table's `columns`. */
export const timestampColumns = { created_at: 'timestamptz', updated_at: 'timestamptz' } as const;

const idColumn = { id: notNull('text') } as const;

/** Every column of a synced table, as {@link entityRelation} defines them. */
export type EntityColumns<T extends EntityTable> = typeof idColumn & {
  readonly [K in keyof T['columns']]: Column<T['columns'][K], true, 'never'>;
} & typeof lifecycleColumns;

/** A synced table as a `Relation`: `id`, its data columns, then the lifecycle columns. */
export interface EntityRelation<T extends EntityTable> {
  readonly name: T['name'];
  readonly kind: 'table';
  readonly columns: EntityColumns<T>;
}

/** The full definition of a synced table, derived from how it is written. */
export function entityRelation<T extends EntityTable>(table: T): EntityRelation<T> {
  const data = Object.fromEntries(
    Object.entries(table.columns).map(([name, type]) => [name, nullable(type)]),
  );
  return {
    name: table.name,
    kind: 'table',
    columns: { ...idColumn, ...data, ...lifecycleColumns } as EntityColumns<T>,
  };
}

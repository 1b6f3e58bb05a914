import type { Column, ColumnOf } from './column.js';

/**
 * A table or view that the migrations create, with every column. This is the one definition of the
 * schema's shape: the Kysely `Database` type is derived from it, and a test compares it with what the
 * migrations actually create (`information_schema.columns`), both ways.
 */
export interface Relation {
  readonly name: string;
  readonly kind: 'table' | 'view';
  readonly columns: Readonly<Record<string, Column>>;
}

/** The Kysely table interface of a relation: one property per column, typed by {@link ColumnOf}. */
export type RowOf<R extends Relation> = { -readonly [K in keyof R['columns']]: ColumnOf<R['columns'][K]> };

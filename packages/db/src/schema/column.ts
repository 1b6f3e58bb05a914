import type { Generated, GeneratedAlways } from 'kysely';

/**
 * The Postgres types our tables and views use, spelled as SQL accepts them: the apply path writes
 * them into `jsonb_to_recordset(…) AS x("col" <type>, …)`, so each must be a valid type name.
 */
export type ColumnType =
  | 'text'
  | 'text[]'
  | 'integer'
  | 'bigint'
  | 'boolean'
  | 'jsonb'
  | 'timestamptz'
  | 'timestamp';

/**
 * What a value of each type reads as. `bigint` is a number: versions are epoch milliseconds, and
 * `openDatabase` parses int8 to number on Postgres, as PGlite does by default.
 */
export interface ColumnValues {
  text: string;
  'text[]': string[];
  integer: number;
  bigint: number;
  boolean: boolean;
  jsonb: unknown;
  timestamptz: Date;
  timestamp: Date;
}

/** Who fills a column that an insert leaves out: nobody, a `DEFAULT`, or `GENERATED ALWAYS` (never us). */
export type Filled = 'never' | 'default' | 'always';

/**
 * One column, as its migration creates it. For a view, `nullable: false` is what the view's query
 * guarantees (a `count(*)`, a primary key, a filtered `IS NOT NULL`); Postgres reports every view
 * column as nullable whatever the query, so the catalog cannot say it.
 */
export interface Column<
  T extends ColumnType = ColumnType,
  N extends boolean = boolean,
  F extends Filled = Filled,
> {
  readonly type: T;
  readonly nullable: N;
  readonly filled: F;
  /** For a `text` column with a `CHECK (… IN (…))`: the values allowed, which become its TS type. */
  readonly oneOf?: readonly string[];
}

/** A column that may hold NULL and has no default. */
export function nullable<T extends ColumnType>(type: T): Column<T, true, 'never'>;
export function nullable<const V extends string>(type: 'text', oneOf: readonly V[]): OneOf<V, true>;
export function nullable(type: ColumnType, oneOf?: readonly string[]): Column {
  return oneOf ? { type, nullable: true, filled: 'never', oneOf } : { type, nullable: true, filled: 'never' };
}

/** A `NOT NULL` column without a default: every insert names it. */
export function notNull<T extends ColumnType>(type: T): Column<T, false, 'never'>;
export function notNull<const V extends string>(type: 'text', oneOf: readonly V[]): OneOf<V, false>;
export function notNull(type: ColumnType, oneOf?: readonly string[]): Column {
  return oneOf
    ? { type, nullable: false, filled: 'never', oneOf }
    : { type, nullable: false, filled: 'never' };
}

/** `NOT NULL DEFAULT …`: optional in an insert (Kysely's `Generated`). */
export function withDefault<T extends ColumnType>(type: T): Column<T, false, 'default'> {
  return { type, nullable: false, filled: 'default' };
}

/** `GENERATED ALWAYS AS IDENTITY`: never written by us (Kysely's `GeneratedAlways`). */
export function generatedAlways<T extends ColumnType>(type: T): Column<T, false, 'always'> {
  return { type, nullable: false, filled: 'always' };
}

/** A `text` column restricted to `V` by a `CHECK` constraint. */
export type OneOf<V extends string, N extends boolean> = Column<'text', N, 'never'> & {
  readonly oneOf: readonly V[];
};

type ValueOf<C extends Column> =
  | (C extends { readonly oneOf: readonly (infer V)[] } ? V : ColumnValues[C['type']])
  | (C['nullable'] extends true ? null : never);

/** The Kysely column type of a column definition: its value, `| null` if nullable, wrapped if filled by the database. */
export type ColumnOf<C extends Column> = C['filled'] extends 'always'
  ? GeneratedAlways<ValueOf<C>>
  : C['filled'] extends 'default'
    ? Generated<ValueOf<C>>
    : ValueOf<C>;

import type { RowOf } from './schema/relation.js';
import type { DefinedRelation } from './schema/relations.js';

/**
 * Kysely's view of schema `clerk` (or `DB_SCHEMA`): every table and view the migrations create,
 * derived from their definitions in `tables/` and `views/`, so that it cannot drift from them.
 */
export type Database = { [R in DefinedRelation as R['name']]: RowOf<R> };

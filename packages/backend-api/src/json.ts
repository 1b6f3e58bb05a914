/** One object of a Backend API answer, before it is validated. */
export type Json = Record<string, unknown>;

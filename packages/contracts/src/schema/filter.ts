import { z } from 'zod';

/** More rules than an Admin writes by hand; the cap keeps one filter's check cheap per object. */
export const MAX_SCHEMA_FILTER_RULES = 50;
/** Longer than any identifier PostgreSQL (63) or MySQL (64) allows, with room for `*`s. */
export const MAX_SCHEMA_FILTER_PATTERN_LENGTH = 128;

/** A name pattern: `*` matches any run of characters, everything else itself (case-insensitive). */
export const SchemaFilterPattern = z
  .string()
  .trim()
  .min(1, 'A pattern needs at least one character (use * for any name)')
  .max(
    MAX_SCHEMA_FILTER_PATTERN_LENGTH,
    `A pattern has at most ${MAX_SCHEMA_FILTER_PATTERN_LENGTH} characters`,
  );

/** One rule: an absent part matches everything; a rule names at least one part. */
export const SchemaFilterRule = z
  .object({
    database: SchemaFilterPattern.optional(),
    schema: SchemaFilterPattern.optional(),
    table: SchemaFilterPattern.optional(),
  })
  .strict()
  .refine((rule) => rule.database !== undefined || rule.schema !== undefined || rule.table !== undefined, {
    message: 'A rule names a database, a schema or a table pattern',
  });
export type SchemaFilterRule = z.infer<typeof SchemaFilterRule>;

const rules = (which: string) =>
  z
    .array(SchemaFilterRule)
    .max(MAX_SCHEMA_FILTER_RULES, `At most ${MAX_SCHEMA_FILTER_RULES} ${which} rules`)
    .default([]);

/**
 * Schema filtering (the seed's "Schema filtering"): an object is kept when it matches some include
 * rule (or there are none) and no exclude rule. It hides objects from the data browser and skips
 * them in refresh; it is not a permission (filtered tables stay queryable).
 */
export const SchemaFilter = z.object({ include: rules('include'), exclude: rules('exclude') }).strict();
export type SchemaFilter = z.infer<typeof SchemaFilter>;

export const EMPTY_SCHEMA_FILTER: SchemaFilter = { include: [], exclude: [] };

import type { SchemaFilter, SchemaFilterRule } from './connector';

/** Where an object lives; without `table`, the question is about a whole schema. */
export type SchemaPath = { database: string; schema: string; table?: string };

const compiled = new Map<string, RegExp>();

/** `*` matches any run of characters, everything else itself, ignoring case. */
function patternRegExp(pattern: string): RegExp {
  let regexp = compiled.get(pattern);
  if (!regexp) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    regexp = new RegExp(`^${body}$`, 'is');
    // Filters are few and small (contracts caps them); the cache only spares recompiling per object.
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(pattern, regexp);
  }
  return regexp;
}

const matches = (pattern: string | undefined, name: string): boolean =>
  pattern === undefined || patternRegExp(pattern).test(name);

const isAnyName = (pattern: string | undefined): boolean =>
  pattern === undefined || /^\*+$/.test(pattern.trim());

function ruleMatchesSchema(rule: SchemaFilterRule, path: SchemaPath): boolean {
  return matches(rule.database, path.database) && matches(rule.schema, path.schema);
}

/**
 * Whether the filter keeps an object: some include rule matches it (or there are none) and no
 * exclude rule does. Without `table` it answers for a whole schema, so a refresh can skip the
 * schema unread: kept when some table of it could be (an include rule reaches it, whatever its table
 * part), and not kept only when an exclude rule covers every table of it (no table part, or `*`).
 */
export function matchesSchemaFilter(filter: SchemaFilter, path: SchemaPath): boolean {
  const { table } = path;
  if (table === undefined) {
    const included =
      filter.include.length === 0 || filter.include.some((rule) => ruleMatchesSchema(rule, path));
    const excluded = filter.exclude.some((rule) => isAnyName(rule.table) && ruleMatchesSchema(rule, path));
    return included && !excluded;
  }
  const ruleMatches = (rule: SchemaFilterRule) => ruleMatchesSchema(rule, path) && matches(rule.table, table);
  const included = filter.include.length === 0 || filter.include.some(ruleMatches);
  return included && !filter.exclude.some(ruleMatches);
}

/** A filter that keeps everything: what a connection without rules has. */
export const isEmptySchemaFilter = (filter: SchemaFilter): boolean =>
  filter.include.length === 0 && filter.exclude.length === 0;

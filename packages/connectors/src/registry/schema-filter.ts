import type { SchemaFilter, SchemaFilterRule } from './connector';

/** Where an object lives; without `table`, the question is about a whole schema. */
export type SchemaPath = { database: string; schema: string; table?: string };

/**
 * `*` matches any run of characters, everything else itself, ignoring case. Matched by walking both
 * strings with one remembered star (linear backtracking), never by a regular expression: a pattern
 * such as `*a*a*a…*b` sends a backtracking engine into exponential time on a name of `a`s, and the
 * filter is written by whoever manages the connection while refresh runs it in the runner.
 */
function globMatches(pattern: string, name: string): boolean {
  const p = Array.from(pattern.toLowerCase());
  const n = Array.from(name.toLowerCase());
  let pi = 0;
  let ni = 0;
  let star = -1;
  let resume = 0;
  while (ni < n.length) {
    if (pi < p.length && p[pi] === '*') {
      star = pi++;
      resume = ni;
    } else if (pi < p.length && p[pi] === n[ni]) {
      pi++;
      ni++;
    } else if (star !== -1) {
      pi = star + 1;
      ni = ++resume;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

const matches = (pattern: string | undefined, name: string): boolean =>
  pattern === undefined || globMatches(pattern, name);

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

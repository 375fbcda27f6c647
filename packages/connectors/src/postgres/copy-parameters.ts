import { postgresPlaceholders } from '@quarry/contracts';

/**
 * Bound parameters for `COPY (…) TO STDOUT`, which takes none (copy-stream.ts). Each value stays
 * bound (CONN-4): it is sent as the parameter of a `set_config` call in the run's READ ONLY
 * transaction, declared with the type the server inferred for it in the statement, so the driver
 * serializes it, and the server parses it, exactly as the cursor path would bind it (an invalid
 * value fails here, at Bind, with the same error). The setting is local to the transaction, which
 * never commits. In the COPY's text each `$n` becomes a read of its setting cast back to that
 * type; the server's own name for the type (`format_type`) is the cast target, never a user's text.
 *
 * A setting cannot hold NULL, so a value is stored as `v` followed by its text, and NULL as the
 * empty string: no value's form can be taken for another's.
 */

/** The custom setting that carries parameter `n` (1-based) during the run's transaction. */
export const parameterSetting = (n: number) => `quarry.p${n}`;

/**
 * More parameters than this take the cursor path: the settings query selects two values for each,
 * and a select list holds at most 1,664.
 */
export const MAX_COPY_PARAMETERS = 400;

const isOid = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 0xffff_ffff;

/**
 * The query that stores each value in its setting (`$n`, declared as `types[n-1]`) and answers the
 * cast target of each type as `t1…tn`. A value goes through its type's output function (`format`
 * with `%s`, not a cast to text, which trims `char(n)`), and reads back with its input function: the
 * same value. A NULL (known from the bound value itself, `nulls[n-1]`) is stored as ''. The OIDs
 * are the server's ParameterDescription, checked as such; no value is in the text.
 */
export function parameterSettingsSql(types: readonly number[], nulls: readonly boolean[]): string {
  const list: string[] = [];
  types.forEach((type, i) => {
    if (!isOid(type)) throw new Error(`not a type OID: ${String(type)}`);
    const n = i + 1;
    const stored = nulls[i] ? `''` : `pg_catalog.textcat('v', pg_catalog.format('%s', $${n}))`;
    list.push(
      `pg_catalog.set_config('${parameterSetting(n)}', ${stored}, true) as p${n}`,
      `pg_catalog.format_type(${type}::pg_catalog.oid, -1) as t${n}`,
    );
  });
  return `select ${list.join(', ')}`;
}

/** What reads parameter `n` back inside the COPY, as a value of `type` (format_type's text). */
export const parameterRead = (n: number, type: string) =>
  `(cast(pg_catalog.substr(nullif(pg_catalog.current_setting('${parameterSetting(n)}'), ''), 2) as ${type}))`;

/**
 * The statement with each `$n` placeholder (as the server's lexer finds it: not in a literal,
 * quoted identifier, dollar quote or comment) replaced by the read of its setting; null where a
 * placeholder names no parameter (the cursor path then reports the server's error).
 */
export function withParameterReads(statement: string, typeNames: readonly string[]): string | null {
  let out = '';
  let last = 0;
  for (const placeholder of postgresPlaceholders(statement)) {
    const type = typeNames[placeholder.index - 1];
    if (placeholder.index < 1 || type === undefined) return null;
    out += statement.slice(last, placeholder.start) + parameterRead(placeholder.index, type);
    last = placeholder.end;
  }
  return out + statement.slice(last);
}

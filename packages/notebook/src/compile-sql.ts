import { type BoundValue, type DateRangeValue, err, ok, type Result } from '@quarry/contracts';
import { unknownReference } from './errors';
import { type SqlDialect, sqlReferences } from './sql-references';

const IDENTIFIER_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/** A resolved input value as SQL reads it: text (numbers as their decimal text), a range, or null. */
export type SqlValue = BoundValue | DateRangeValue;

export type CompiledSql = { sql: string; params: BoundValue[] };

/**
 * Replaces each `{{name}}` (`{{name.start}}`, `{{name.end}}` for a date range) with the dialect's
 * placeholder and collects the values in placeholder order: PostgreSQL `$1, $2…` (a reference used
 * again reuses its number), MySQL `?` (each occurrence its own placeholder, so the value repeats).
 * Values are never written into the SQL text (CONN-4). A name with no value, a range read whole, or
 * a part of a value that is not a range is refused as `notebook.unknown_reference`.
 */
export function compileSql(
  source: string,
  dialect: SqlDialect,
  values: Readonly<Record<string, SqlValue>>,
): Result<CompiledSql> {
  const params: BoundValue[] = [];
  const numbers = new Map<string, number>();
  let sql = '';
  let last = 0;
  for (const ref of sqlReferences(source, dialect)) {
    if (!Object.hasOwn(values, ref.name)) return err(unknownReference(ref.name));
    const value = values[ref.name] ?? null;
    let bound: BoundValue;
    if (value !== null && typeof value === 'object') {
      if (!ref.field) {
        return err({
          code: 'notebook.unknown_reference',
          message: `The input '${ref.name}' is a date range: read its start or its end`,
          hint: `Write {{${ref.name}.start}} or {{${ref.name}.end}}`,
          details: { name: ref.name },
        });
      }
      bound = value[ref.field];
    } else if (ref.field) {
      return err({
        code: 'notebook.unknown_reference',
        message: `The input '${ref.name}' has no ${ref.field}: only a date range has`,
        hint: `Write {{${ref.name}}}`,
        details: { name: `${ref.name}.${ref.field}` },
      });
    } else {
      bound = value;
    }
    let placeholder: string;
    if (dialect === 'postgresql') {
      const key = ref.field ? `${ref.name}.${ref.field}` : ref.name;
      let index = numbers.get(key);
      if (index === undefined) {
        params.push(bound);
        index = params.length;
        numbers.set(key, index);
      }
      // `x{{a}}`, `{{a}}2` or `{{a}}{{b}}` must not become the identifier `x$1` or the parameters
      // `$12` or `$1$2`: the space before is decided from what was last written, which is the
      // previous placeholder's digit when two references touch.
      sql += source.slice(last, ref.start);
      last = ref.start;
      const before = IDENTIFIER_CHAR.test(sql.at(-1) ?? '') ? ' ' : '';
      const after = IDENTIFIER_CHAR.test(source[ref.end] ?? '') ? ' ' : '';
      placeholder = `${before}$${index}${after}`;
    } else {
      params.push(bound);
      placeholder = '?';
    }
    sql += source.slice(last, ref.start) + placeholder;
    last = ref.end;
  }
  sql += source.slice(last);
  return ok({ sql, params });
}

import { PostgreSQL, type SQLDialect, StandardSQL } from '@codemirror/lang-sql';

/**
 * The SQL dialect the editor highlights for each kind of connection, in one place: the connectors
 * issue adds a line here per warehouse it brings (MySQL, MSSQL, …).
 */
const DIALECTS: Record<string, SQLDialect> = {
  postgres: PostgreSQL,
};

/** The dialect of a cell's connection; standard SQL when the cell has none or its kind is new. */
export function sqlDialectFor(kind: string | null | undefined): SQLDialect {
  return (kind ? DIALECTS[kind] : undefined) ?? StandardSQL;
}

/** The SQL dialects a connector kind declares (`ConnectorKindInfo.dialect`). */
export type SqlDialectName = 'postgresql' | 'mysql';

/** A table as the browser knows it: the database it lives in, its schema, its name. */
export type TableRef = { database: string; schema: string | null; table: string };

/**
 * One identifier, always quoted: PostgreSQL folds unquoted names to lower case and MySQL reads
 * reserved words as keywords, so quoting every part is the only form that names exactly what the
 * catalog listed. The quote character inside a name is written twice, as both dialects read it.
 */
export function quoteIdentifier(name: string, dialect: SqlDialectName): string {
  const quote = dialect === 'mysql' ? '`' : '"';
  return `${quote}${name.split(quote).join(quote + quote)}${quote}`;
}

/**
 * The qualified name a query uses. PostgreSQL queries one database per connection and refuses a
 * database part (cross-database references are not implemented), so it is `"schema"."table"`;
 * in MySQL a schema is a database, so the database stands in when there is no schema.
 */
export function qualifiedTableName(ref: TableRef, dialect: SqlDialectName): string {
  const qualifier = dialect === 'mysql' ? (ref.schema ?? ref.database) : ref.schema;
  const table = quoteIdentifier(ref.table, dialect);
  return qualifier ? `${quoteIdentifier(qualifier, dialect)}.${table}` : table;
}

/** The rows a click in the data browser inserts: the first hundred, enough to see the shape. */
export const SELECT_LIMIT = 100;

/** `select * from "schema"."table" limit 100`, quoted for the connection's dialect. */
export function selectStatement(ref: TableRef, dialect: SqlDialectName): string {
  return `select * from ${qualifiedTableName(ref, dialect)} limit ${SELECT_LIMIT}`;
}

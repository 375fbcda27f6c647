import { err, ok, type Result } from '@quarry/contracts';
import type { ConnectContext, IntrospectProgress, SchemaFilter, SchemaTable } from '../registry/connector';
import { matchesSchemaFilter } from '../registry/schema-filter';
import type { ConnectorError } from '../types';
import { connectMysql } from './connect';
import { toConnectorError } from './errors';
import type { MysqlConfig } from './kind';
import { isMariadb, timeoutSetting } from './server-limits';

/** The server's own databases: never the user's data. */
const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

type TableRow = { schema: string; name: string; type: string; comment: string | null };
type ColumnRow = {
  table: string;
  name: string;
  dbType: string;
  nullable: string;
  comment: string | null;
  position: number | string;
};

/**
 * Reads databases, tables, views and columns from information_schema. A MySQL database is a schema
 * (one level, not two): each object's `database` and `schema` are both its database's name, so a
 * filter rule naming either matches. Filtered databases are skipped unread; filtered tables are
 * not asked for their columns. Progress counts tables, out of the total once the tables are listed.
 */
export async function introspectMysql(
  config: MysqlConfig,
  filter: SchemaFilter,
  context: ConnectContext & { onProgress?: (progress: IntrospectProgress) => void },
): Promise<Result<SchemaTable[], ConnectorError>> {
  let session: Awaited<ReturnType<typeof connectMysql>> | null = null;
  const stopped = () => context.signal?.aborted === true;
  try {
    session = await connectMysql(config, context);
    const active = session;
    const { mariadb } = await isMariadb(active);
    await active.query(`SET ${timeoutSetting(mariadb, context.timeoutMs)}`);
    const placeholders = SYSTEM_SCHEMAS.map(() => '?').join(', ');
    const schemas = (
      await active.query(
        `SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN (${placeholders}) ORDER BY SCHEMA_NAME`,
        SYSTEM_SCHEMAS,
      )
    )
      .map((row) => String(row.name))
      .filter((schema) => matchesSchemaFilter(filter, { database: schema, schema }));
    const tablesBySchema = new Map<string, TableRow[]>();
    let total = 0;
    for (const schema of schemas) {
      if (stopped()) throw cancelledError();
      const rows = (await active.query(
        `SELECT TABLE_SCHEMA AS \`schema\`, TABLE_NAME AS name, TABLE_TYPE AS type, TABLE_COMMENT AS comment
         FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`,
        [schema],
      )) as TableRow[];
      const kept = rows.filter((t) =>
        matchesSchemaFilter(filter, { database: schema, schema, table: t.name }),
      );
      tablesBySchema.set(schema, kept);
      total += kept.length;
    }
    context.onProgress?.({ done: 0, total });
    const tables: SchemaTable[] = [];
    for (const [schema, kept] of tablesBySchema) {
      if (kept.length === 0) continue;
      if (stopped()) throw cancelledError();
      const columns = (await active.query(
        `SELECT TABLE_NAME AS \`table\`, COLUMN_NAME AS name, COLUMN_TYPE AS dbType, IS_NULLABLE AS nullable,
                COLUMN_COMMENT AS comment, ORDINAL_POSITION AS position
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
        [schema],
      )) as ColumnRow[];
      const primary = new Set(
        (
          await active.query(
            `SELECT TABLE_NAME AS \`table\`, COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE
             WHERE TABLE_SCHEMA = ? AND CONSTRAINT_NAME = 'PRIMARY'`,
            [schema],
          )
        ).map((row) => `${row.table}\u0000${row.name}`),
      );
      const byTable = new Map<string, ColumnRow[]>();
      for (const column of columns) {
        const list = byTable.get(column.table) ?? [];
        list.push(column);
        byTable.set(column.table, list);
      }
      for (const table of kept) {
        const view = table.type === 'VIEW' || table.type === 'SYSTEM VIEW';
        tables.push({
          database: schema,
          schema,
          name: table.name,
          kind: view ? 'view' : 'table',
          // MySQL writes `VIEW` as every view's comment.
          comment: view || !table.comment ? null : table.comment,
          columns: (byTable.get(table.name) ?? []).map((column) => ({
            name: column.name,
            dbType: column.dbType,
            nullable: column.nullable === 'YES',
            comment: column.comment ? column.comment : null,
            primaryKey: primary.has(`${table.name}\u0000${column.name}`),
            position: Number(column.position),
          })),
        });
      }
      context.onProgress?.({ done: tables.length, total });
    }
    return ok(tables);
  } catch (error) {
    return err(toConnectorError(error, { timeoutMs: context.timeoutMs, cancelled: stopped() }));
  } finally {
    session?.close();
  }
}

const cancelledError = () => new Error('introspection cancelled');

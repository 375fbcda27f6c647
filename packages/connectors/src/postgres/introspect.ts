import { err, ok, type Result } from '@quarry/contracts';
import type {
  ConnectContext,
  IntrospectProgress,
  SchemaColumn,
  SchemaFilter,
  SchemaObjectKind,
  SchemaTable,
} from '../registry/connector';
import { matchesSchemaFilter } from '../registry/schema-filter';
import type { ConnectorError, PostgresConfig } from '../types';
import { toConnectorError } from './errors';
import { connectPostgres } from './stream';

/** Tables whose columns one query reads: a progress step, and a bound on one statement's work. */
const COLUMN_BATCH = 500;

const KINDS: Record<string, SchemaObjectKind> = {
  r: 'table',
  p: 'table',
  f: 'table',
  v: 'view',
  m: 'materialized_view',
};

type RelationRow = { oid: string; schema: string; name: string; relkind: string; comment: string | null };
type ColumnRow = {
  relid: string;
  name: string;
  db_type: string;
  nullable: boolean;
  comment: string | null;
  primary_key: boolean;
};

/**
 * Reads the connection's schemas, tables, views, materialized views and foreign tables with their
 * columns (type as `format_type` spells it, nullability, comment, primary key) in a few set-based
 * catalog queries, never one per table. The filter is applied per schema before anything of a
 * schema is read (skipped schemas cost nothing), then per table. System schemas are skipped, and so
 * are schemas the role may not use and relations it may not read: the browser shows what the
 * connection can query. Partitions are left out (their parent stands for them). The database is
 * the connection's own: a PostgreSQL session sees one database.
 */
export async function introspectPostgres(
  config: PostgresConfig,
  filter: SchemaFilter,
  context: ConnectContext & { onProgress?: (progress: IntrospectProgress) => void },
): Promise<Result<SchemaTable[], ConnectorError>> {
  const sql = connectPostgres(config, {
    timeoutMs: context.timeoutMs,
    allow: context.allow,
    ...(context.ownDatabase ? { ownDatabase: context.ownDatabase } : {}),
    ...(context.limits ? { limits: context.limits } : {}),
    tag: 'quarry-introspect',
  });
  const abort = () => void sql.end({ timeout: 0 }).catch(() => {});
  context.signal?.addEventListener('abort', abort, { once: true });
  const database = config.database;
  try {
    // Bounded at the server, set as a query rather than at startup, which poolers refuse.
    const [version] = await sql<{ num: number }[]>`
      select current_setting('server_version_num')::int as num,
             set_config('statement_timeout', ${String(context.timeoutMs)}, false) as bounded`;
    const modern = (version?.num ?? 0) >= 100_000;
    const schemas = await sql<{ oid: string; name: string }[]>`
      select n.oid::text as oid, n.nspname as name from pg_namespace n
      where n.nspname not in ('pg_catalog', 'information_schema')
        and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp\\_%'
        and has_schema_privilege(n.oid, 'USAGE')`;
    const kept = schemas.filter((s) => matchesSchemaFilter(filter, { database, schema: s.name }));
    if (kept.length === 0) {
      context.onProgress?.({ done: 0, total: 0 });
      return ok([]);
    }
    // relkind 'p' and relispartition exist from PostgreSQL 10 on; older servers have neither.
    const relations = await sql<RelationRow[]>`
      select c.oid::text as oid, n.nspname as schema, c.relname as name, c.relkind::text as relkind,
             d.description as comment
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      left join pg_description d
        on d.objoid = c.oid and d.classoid = 'pg_class'::regclass and d.objsubid = 0
      where c.relnamespace = any(${kept.map((s) => s.oid)}::text[]::oid[])
        and c.relkind in ('r', 'p', 'v', 'm', 'f')
        ${modern ? sql`and not c.relispartition` : sql``}
        and has_any_column_privilege(c.oid, 'SELECT')
      order by n.nspname, c.relname`;
    const tables = relations.filter((r) =>
      matchesSchemaFilter(filter, { database, schema: r.schema, table: r.name }),
    );
    const total = tables.length;
    context.onProgress?.({ done: 0, total });
    const byOid = new Map<string, SchemaTable>();
    for (const r of tables) {
      byOid.set(r.oid, {
        database,
        schema: r.schema,
        name: r.name,
        kind: KINDS[r.relkind] ?? 'table',
        comment: r.comment,
        columns: [],
      });
    }
    for (let start = 0; start < total; start += COLUMN_BATCH) {
      if (context.signal?.aborted)
        throw Object.assign(new Error('introspection cancelled'), { cancelled: true });
      const oids = tables.slice(start, start + COLUMN_BATCH).map((t) => t.oid);
      const columns = await sql<ColumnRow[]>`
        select a.attrelid::text as relid, a.attname as name,
               format_type(a.atttypid, a.atttypmod) as db_type,
               not a.attnotnull as nullable, d.description as comment,
               exists (
                 select 1 from pg_index i
                 where i.indrelid = a.attrelid and i.indisprimary and a.attnum = any(i.indkey)
               ) as primary_key
        from pg_attribute a
        left join pg_description d
          on d.objoid = a.attrelid and d.classoid = 'pg_class'::regclass and d.objsubid = a.attnum
        where a.attrelid = any(${oids}::text[]::oid[]) and a.attnum > 0 and not a.attisdropped
        order by a.attrelid, a.attnum`;
      for (const c of columns) {
        const table = byOid.get(c.relid);
        if (!table) continue;
        const column: SchemaColumn = {
          name: c.name,
          dbType: c.db_type,
          nullable: c.nullable,
          comment: c.comment,
          primaryKey: c.primary_key,
          // Dropped columns leave gaps in attnum; the position is the column's place among the live ones.
          position: table.columns.length + 1,
        };
        table.columns.push(column);
      }
      context.onProgress?.({ done: Math.min(start + COLUMN_BATCH, total), total });
    }
    return ok([...byOid.values()]);
  } catch (error) {
    return err(
      toConnectorError(error, { timeoutMs: context.timeoutMs, cancelled: context.signal?.aborted === true }),
    );
  } finally {
    context.signal?.removeEventListener('abort', abort);
    await sql.end({ timeout: 0 }).catch(() => {});
  }
}

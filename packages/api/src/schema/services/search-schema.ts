import { ok, type Result, type SchemaSearchHit, type SchemaSearchResult } from '@quarry/contracts';
import { sql } from 'drizzle-orm';
import type { ServiceContext } from '../../service-context';
import { schemaAccess } from './schema-access';

/** `q` as a LIKE pattern that matches it anywhere, its own `%`, `_` and `\` taken literally. */
export const containsPattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

type HitRow = {
  type: SchemaSearchHit['type'];
  database: string;
  schema: string | null;
  table_name: string | null;
  column_name: string | null;
  table_id: string | null;
  table_kind: SchemaSearchHit['tableKind'];
  db_type: string | null;
};

/**
 * Every database, schema, table and column name of the connection's stored schema that contains
 * `q` (case-insensitive). Exact names first, then prefixes, then the rest; within each, a container
 * before what it contains (a table before a column of the same name), then alphabetical. One statement over
 * the connection's rows of the store; filtered objects are not stored, so never found.
 */
export async function searchSchema(
  ctx: ServiceContext,
  input: { connectionId: string; projectId?: string | undefined; q: string; limit: number },
): Promise<Result<SchemaSearchResult>> {
  const access = await schemaAccess(ctx, input);
  if (!access.ok) return access;
  const { connection } = access.value;
  const q = input.q.toLowerCase();
  const pattern = containsPattern(q);
  const prefix = containsPattern(q).slice(1);
  const scope = sql`connection_id = ${connection.id} and workspace_id = ${connection.workspaceId}`;
  const take = input.limit + 1;
  // How well a name matches: 0 exact, 1 a prefix, 2 anywhere else.
  const bucket = (column: 'database' | 'schema' | 'name') => {
    const name = sql.identifier(column);
    return sql`case when lower(${name}) = ${q} then 0 when lower(${name}) like ${prefix} then 1 else 2 end`;
  };
  // Columns are the many: each bucket is read from the (connection, name in byte order) index and
  // cut to the limit there, so a common substring stops after enough names instead of ranking
  // every match. Databases, schemas and tables (thousands, not hundreds of thousands) are ranked
  // whole. What is joined and sorted at the end is a few hundred rows at most.
  const rows = (await ctx.deps.db.execute(sql`
    with names as (
      (select ${bucket('database')} as bucket, 0 as kind_rank, 'database' as type, database,
              null::text as schema, null::text as table_id, null::text as column_name,
              null::text as db_type, lower(database) as matched
       from schema_tables where ${scope} and database ilike ${pattern}
       group by database order by 1, 9 limit ${take})
      union all
      (select ${bucket('schema')}, 1, 'schema', database, schema, null, null, null, lower(schema)
       from schema_tables where ${scope} and schema ilike ${pattern}
       group by database, schema order by 1, 9, database limit ${take})
      union all
      (select ${bucket('name')}, 2, 'table', database, schema, id, null, null, lower(name)
       from schema_tables where ${scope} and name ilike ${pattern}
       order by 1, 9, database, schema limit ${take})
      union all
      (select 0, 3, 'column', null, null, table_id, name, db_type, search_name
       from schema_columns where ${scope} and search_name collate "C" = ${q}
       order by table_id, position limit ${take})
      union all
      (select 1, 3, 'column', null, null, table_id, name, db_type, search_name
       from schema_columns
       where ${scope} and search_name collate "C" like ${prefix} and search_name <> ${q}
       order by search_name collate "C", table_id, position limit ${take})
      union all
      (select 2, 3, 'column', null, null, table_id, name, db_type, search_name
       from schema_columns
       where ${scope} and search_name like ${pattern} and not (search_name collate "C" like ${prefix})
       order by search_name collate "C", table_id, position limit ${take})
    )
    select n.type, coalesce(t.database, n.database) as database, coalesce(t.schema, n.schema) as schema,
           t.name as table_name, n.column_name, n.table_id, t.kind as table_kind, n.db_type
    from names n
    left join schema_tables t
      on t.id = n.table_id and t.connection_id = ${connection.id} and t.workspace_id = ${connection.workspaceId}
    order by n.bucket, n.kind_rank, n.matched collate "C", 2, 3, 4
    limit ${take}`)) as unknown as HitRow[];
  const hits = rows.slice(0, input.limit).map(
    (r): SchemaSearchHit => ({
      type: r.type,
      database: r.database,
      schema: r.schema,
      table: r.table_name,
      column: r.column_name,
      tableId: r.table_id,
      tableKind: r.table_kind,
      dbType: r.db_type,
    }),
  );
  return ok({ hits, truncated: rows.length > input.limit });
}

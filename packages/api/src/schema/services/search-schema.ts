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
 * `q` (case-insensitive). Exact names first, then prefixes, then shorter names; a
 * container before what it contains (a table before a column of the same name). One statement over
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
  const prefix = `${containsPattern(q).slice(1)}`;
  const scope = sql`connection_id = ${connection.id} and workspace_id = ${connection.workspaceId}`;
  // Each kind of name is ranked and cut to the limit on its own rows first (a scan of one
  // connection's names), so what is joined and sorted at the end is a few hundred rows at most,
  // however many names match and whatever the planner believes of freshly refreshed rows.
  const take = input.limit + 1;
  const rows = (await ctx.deps.db.execute(sql`
    with names as (
      (select 0 as kind_rank, 'database' as type, database, null::text as schema, null::text as table_id,
              null::text as column_name, null::text as db_type, database as matched
       from schema_tables where ${scope} and database ilike ${pattern}
       group by database
       order by lower(database) = ${q} desc, lower(database) like ${prefix} desc, length(database), database
       limit ${take})
      union all
      (select 1, 'schema', database, schema, null, null, null, schema
       from schema_tables where ${scope} and schema ilike ${pattern}
       group by database, schema
       order by lower(schema) = ${q} desc, lower(schema) like ${prefix} desc, length(schema), database, schema
       limit ${take})
      union all
      (select 2, 'table', database, schema, id, null, null, name
       from schema_tables where ${scope} and name ilike ${pattern}
       order by lower(name) = ${q} desc, lower(name) like ${prefix} desc, length(name), database, schema, name
       limit ${take})
      union all
      (select 3, 'column', null, null, table_id, name, db_type, name
       from schema_columns where ${scope} and search_name like ${pattern}
       order by search_name = ${q} desc, search_name like ${prefix} desc, length(name), table_id, position
       limit ${take})
    )
    select n.type, coalesce(t.database, n.database) as database, coalesce(t.schema, n.schema) as schema,
           t.name as table_name, n.column_name, n.table_id, t.kind as table_kind, n.db_type
    from names n
    left join schema_tables t
      on t.id = n.table_id and t.connection_id = ${connection.id} and t.workspace_id = ${connection.workspaceId}
    order by lower(n.matched) = ${q} desc, lower(n.matched) like ${prefix} desc, length(n.matched),
             n.kind_rank, 2, 3, 4, n.column_name
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

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
  const rows = (await ctx.deps.db.execute(sql`
    with t as (
      select id, database, schema, name, kind from schema_tables
      where connection_id = ${connection.id} and workspace_id = ${connection.workspaceId}
    ),
    hits as (
      select 'database' as type, database, null::text as schema, null::text as table_name,
             null::text as column_name, null::text as table_id, null::text as table_kind,
             null::text as db_type, database as matched
      from t where database ilike ${pattern} group by database
      union all
      select 'schema', database, schema, null, null, null, null, null, schema
      from t where schema ilike ${pattern} group by database, schema
      union all
      select 'table', database, schema, name, null, id, kind, null, name
      from t where name ilike ${pattern}
      union all
      select 'column', t.database, t.schema, t.name, c.name, t.id, t.kind, c.db_type, c.name
      from schema_columns c join t on t.id = c.table_id
      where c.connection_id = ${connection.id} and c.workspace_id = ${connection.workspaceId}
        and c.name ilike ${pattern}
    )
    select type, database, schema, table_name, column_name, table_id, table_kind, db_type from hits
    order by lower(matched) = ${q} desc, lower(matched) like ${prefix} desc, length(matched),
             case type when 'database' then 0 when 'schema' then 1 when 'table' then 2 else 3 end,
             database, schema, table_name, column_name
    limit ${input.limit + 1}`)) as unknown as HitRow[];
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

import { err, ok, type Result, type SchemaTableDetail, type SchemaTree } from '@quarry/contracts';
import { schemaColumns, schemaRefreshes, schemaTables } from '@quarry/db/schema';
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { notFound } from '../../errors';
import type { ServiceContext } from '../../service-context';
import { requesterNames, toRefresh } from './refresh-record';
import { schemaAccess } from './schema-access';

/**
 * The data browser's tree for a connection (databases → schemas → tables with their column
 * counts), with the last successful refresh (when, who), the active one with its progress, and
 * whether the caller may press Refresh and why (the engine's reason, shown on a disabled button).
 * The store holds only what the schema filter keeps, so filtered objects never appear.
 */
export async function browseSchema(
  ctx: ServiceContext,
  input: { connectionId: string; projectId?: string | undefined },
): Promise<Result<SchemaTree>> {
  const access = await schemaAccess(ctx, input);
  if (!access.ok) return access;
  const { connection, decision, manages } = access.value;
  const scope = and(
    eq(schemaTables.connectionId, connection.id),
    eq(schemaTables.workspaceId, connection.workspaceId),
  );
  const [tables, recent] = await Promise.all([
    ctx.deps.db
      .select({
        id: schemaTables.id,
        database: schemaTables.database,
        schema: schemaTables.schema,
        name: schemaTables.name,
        kind: schemaTables.kind,
        comment: schemaTables.comment,
        columnCount: schemaTables.columnCount,
      })
      .from(schemaTables)
      .where(scope)
      .orderBy(asc(schemaTables.database), asc(schemaTables.schema), asc(schemaTables.name)),
    ctx.deps.db
      .select()
      .from(schemaRefreshes)
      .where(
        and(
          eq(schemaRefreshes.connectionId, connection.id),
          eq(schemaRefreshes.workspaceId, connection.workspaceId),
        ),
      )
      .orderBy(desc(schemaRefreshes.createdAt))
      .limit(20),
  ]);
  const databases: SchemaTree['databases'] = [];
  for (const t of tables) {
    let database = databases.at(-1);
    if (database?.name !== t.database) {
      database = { name: t.database, schemas: [] };
      databases.push(database);
    }
    let schema = database.schemas.at(-1);
    if (schema?.name !== t.schema) {
      schema = { name: t.schema, tables: [] };
      database.schemas.push(schema);
    }
    schema.tables.push({
      id: t.id,
      name: t.name,
      kind: t.kind,
      comment: t.comment,
      columnCount: t.columnCount,
    });
  }
  const lastSuccess = recent.find((r) => r.status === 'succeeded') ?? null;
  const active = recent.find((r) => r.status === 'queued' || r.status === 'running') ?? null;
  const latestDone = recent.find((r) => r.status === 'succeeded' || r.status === 'failed') ?? null;
  const lastFailure = latestDone?.status === 'failed' ? latestDone : null;
  const names = await requesterNames(
    ctx.deps.db,
    [lastSuccess, active, lastFailure].flatMap((r) => (r ? [r] : [])),
  );
  const show = { showCause: manages };
  return ok({
    connection: { id: connection.id, name: connection.name, kind: connection.kind },
    databases,
    tableCount: tables.length,
    lastRefreshed: lastSuccess
      ? {
          at: lastSuccess.finishedAt ?? lastSuccess.createdAt,
          trigger: lastSuccess.trigger,
          by: lastSuccess.requestedBy
            ? { id: lastSuccess.requestedBy, name: names.get(lastSuccess.requestedBy) ?? 'A former member' }
            : null,
        }
      : null,
    activeRefresh: active ? toRefresh(active, names, show) : null,
    lastFailure: lastFailure ? toRefresh(lastFailure, names, show) : null,
    canRefresh: {
      allowed: decision.canRefreshSchema.allowed && connection.status === 'ready',
      reason:
        connection.status === 'ready'
          ? decision.canRefreshSchema.reason
          : { code: 'access.role_not_allowed', message: `The connection '${connection.name}' is a draft` },
    },
  });
}

/** One stored table's columns, in their order. */
export async function tableColumns(
  ctx: ServiceContext,
  input: { connectionId: string; tableId: string; projectId?: string | undefined },
): Promise<Result<SchemaTableDetail>> {
  const access = await schemaAccess(ctx, input);
  if (!access.ok) return access;
  const { connection } = access.value;
  const [table] = await ctx.deps.db
    .select()
    .from(schemaTables)
    .where(
      and(
        eq(schemaTables.id, input.tableId),
        eq(schemaTables.connectionId, connection.id),
        eq(schemaTables.workspaceId, connection.workspaceId),
      ),
    );
  if (!table) return err(notFound('schema_table'));
  const columns = await ctx.deps.db
    .select()
    .from(schemaColumns)
    .where(
      and(inArray(schemaColumns.tableId, [table.id]), eq(schemaColumns.workspaceId, connection.workspaceId)),
    )
    .orderBy(asc(schemaColumns.position));
  return ok({
    id: table.id,
    database: table.database,
    schema: table.schema,
    name: table.name,
    kind: table.kind,
    comment: table.comment,
    columnCount: table.columnCount,
    columns: columns.map((c) => ({
      name: c.name,
      dbType: c.dbType,
      nullable: c.nullable,
      comment: c.comment,
      primaryKey: c.primaryKey,
      position: c.position,
    })),
  });
}

import { err, ok, type Result, type SchemaRefresh } from '@quarry/contracts';
import { connections, schemaRefreshes } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import type { ServiceContext } from '../../service-context';
import { requesterNames, toRefresh } from './refresh-record';
import { requestRefresh } from './request-refresh';
import { schemaAccess } from './schema-access';

/**
 * The Refresh button: allowed by Can refresh schema (everyone with Can query, or Admins only), as
 * the engine decides; refused with its reason otherwise. A refresh already running is joined.
 */
export async function refreshSchema(
  ctx: ServiceContext,
  input: { connectionId: string; projectId?: string | undefined },
): Promise<Result<SchemaRefresh>> {
  const access = await schemaAccess(ctx, input);
  if (!access.ok) return access;
  const { connection, decision, manages } = access.value;
  if (!decision.canRefreshSchema.allowed) {
    const { reason } = decision.canRefreshSchema;
    return err({ code: reason.code, message: reason.message, hint: 'Ask an Admin to refresh the schema' });
  }
  if (connection.status !== 'ready') {
    return err({
      code: 'schema.connection_draft',
      message: `The connection '${connection.name}' is a draft`,
      hint: 'An Admin completes and saves it in Settings → Data sources',
    });
  }
  const started = await requestRefresh(
    ctx.deps,
    {
      workspaceId: connection.workspaceId,
      connectionId: connection.id,
      trigger: 'manual',
      requestedBy: ctx.actor.userId,
      request: ctx.request,
    },
    { showCause: manages },
  );
  return started.ok ? ok(started.value.refresh) : started;
}

/** One refresh's status and progress, for whoever may browse its connection. */
export async function refreshStatus(
  ctx: ServiceContext,
  input: { refreshId: string },
): Promise<Result<SchemaRefresh>> {
  const [row] = await ctx.deps.db
    .select({ refresh: schemaRefreshes, connectionId: connections.id })
    .from(schemaRefreshes)
    .innerJoin(connections, eq(connections.id, schemaRefreshes.connectionId))
    .where(
      and(
        eq(schemaRefreshes.id, input.refreshId),
        eq(schemaRefreshes.workspaceId, ctx.actor.workspaceId),
        eq(connections.workspaceId, ctx.actor.workspaceId),
      ),
    );
  if (!row) return err(notFound('schema_refresh'));
  const access = await schemaAccess(ctx, { connectionId: row.connectionId });
  // Someone who may not browse the connection learns nothing of its refreshes.
  if (!access.ok) return err(notFound('schema_refresh'));
  const names = await requesterNames(ctx.deps.db, [row.refresh]);
  return ok(toRefresh(row.refresh, names, { showCause: access.value.manages }));
}

import { err, ok, type Result } from '@quarry/contracts';
import { cells, connections, projectConnections, schemaRefreshes } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { removeRefreshSchedule } from '../../schema/services/refresh-schedule';
import { auditChange, type ServiceContext } from '../../service-context';
import { loadConnection, usageOf } from './connection-record';

/**
 * Deletes a connection for good (the gate let only those who manage it through), in one
 * transaction: every cell using it loses it and keeps its name (so the cell says the connection was
 * deleted and offers another), every project stops importing it, the row and its sealed credentials
 * go, and the audit entry lists the projects it served. Runs keep their history: `runs.connection_id`
 * is a plain column, not a foreign key.
 */
export async function deleteConnection(
  ctx: ServiceContext,
  input: { connectionId: string },
): Promise<Result<{ removedFromProjects: number }>> {
  const { workspaceId } = ctx.actor;
  const removed = await ctx.deps.db.transaction(async (tx) => {
    // A refresh writing the connection's catalog holds its refresh's row, then (through the
    // catalog's foreign keys) the connection's: the delete takes them in the same order, or its
    // cascade to the refresh's row and the refresh's next insert wait for each other (a deadlock,
    // which PostgreSQL ended by failing the delete).
    await tx
      .select({ id: schemaRefreshes.id })
      .from(schemaRefreshes)
      .where(
        and(
          eq(schemaRefreshes.connectionId, input.connectionId),
          eq(schemaRefreshes.workspaceId, workspaceId),
        ),
      )
      .for('update');
    const row = await loadConnection(tx, workspaceId, input.connectionId);
    if (!row) return null;
    const usage = await usageOf(tx, workspaceId, row.id);
    const now = ctx.deps.now();
    await tx
      .update(cells)
      .set({ connectionId: null, deletedConnectionName: row.name, updatedAt: now })
      .where(and(eq(cells.connectionId, row.id), eq(cells.workspaceId, workspaceId)));
    await tx.delete(projectConnections).where(eq(projectConnections.connectionId, row.id));
    await tx
      .delete(connections)
      .where(and(eq(connections.id, row.id), eq(connections.workspaceId, workspaceId)));
    await auditChange(
      tx,
      ctx,
      {
        action: 'connection.delete',
        target: { type: 'connection', id: row.id },
        details: {
          name: row.name,
          kind: row.kind,
          scope: row.scope,
          projectIds: usage.map((u) => u.projectId),
        },
      },
      now,
    );
    return usage.length;
  });
  if (removed === null) return err(notFound('connection'));
  await removeRefreshSchedule(ctx.deps, input.connectionId).catch(() => {});
  return ok({ removedFromProjects: removed });
}

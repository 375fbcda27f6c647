import { err, ok, type Result, type UpdateCellInput } from '@quarry/contracts';
import { cells, connections, projectConnections, projects } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import type { ServiceContext } from '../../service-context';

/** Saves a cell's SQL (and its connection, when sent); the project's `updatedAt` moves with it, so the list shows it first. */
export async function updateCell(
  ctx: ServiceContext,
  input: UpdateCellInput,
): Promise<Result<{ updatedAt: Date }>> {
  const { workspaceId } = ctx.actor;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx): Promise<Result<{ updatedAt: Date }>> => {
    // A cell may only use a connection its project imports.
    if (input.connectionId) {
      const [imported] = await tx
        .select({ connectionId: projectConnections.connectionId })
        .from(projectConnections)
        .innerJoin(connections, eq(connections.id, projectConnections.connectionId))
        .where(
          and(
            eq(projectConnections.projectId, input.projectId),
            eq(projectConnections.connectionId, input.connectionId),
            eq(connections.workspaceId, workspaceId),
          ),
        )
        // Held until the cell is saved: a removal of the import waits, then clears this cell too.
        .for('share', { of: projectConnections });
      if (!imported) {
        return err({
          code: 'connections.not_in_project',
          message: 'This project does not use that data connection',
          hint: 'Add the connection to the project first, or pick one of its connections',
          details: { field: 'connectionId' },
        });
      }
    }
    const connection =
      input.connectionId === undefined
        ? {}
        : { connectionId: input.connectionId, deletedConnectionName: null };
    const rows = await tx
      .update(cells)
      .set({ ...(input.source === undefined ? {} : { source: input.source }), ...connection, updatedAt: now })
      .where(
        and(
          eq(cells.id, input.cellId),
          eq(cells.projectId, input.projectId),
          eq(cells.workspaceId, workspaceId),
        ),
      )
      .returning({ id: cells.id });
    if (!rows.length) return err(notFound('cell'));
    await tx
      .update(projects)
      .set({ updatedAt: now })
      .where(and(eq(projects.id, input.projectId), eq(projects.workspaceId, workspaceId)));
    return ok({ updatedAt: now });
  });
}

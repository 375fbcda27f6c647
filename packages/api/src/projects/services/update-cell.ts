import { err, ok, type Result, type UpdateCellInput } from '@quarry/contracts';
import { cells, projects } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import type { ServiceContext } from '../../service-context';

/** Saves a cell's SQL; the project's `updatedAt` moves with it, so the list shows it first. */
export async function updateCell(
  ctx: ServiceContext,
  input: UpdateCellInput,
): Promise<Result<{ updatedAt: Date }>> {
  const { workspaceId } = ctx.actor;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx) => {
    const rows = await tx
      .update(cells)
      .set({ source: input.source, updatedAt: now })
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

import { type DeleteCellInput, err, ok, type Result } from '@quarry/contracts';
import { cells } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { lockNotebook, touchProject, writePositions } from './notebook-lock';

/**
 * Deletes a cell; the cells below move up so positions stay 0..n-1. Cells that read it are left as
 * they are and answer `notebook.unknown_reference` when run, so nothing is rewritten silently.
 */
export async function deleteCell(
  ctx: ServiceContext,
  input: DeleteCellInput,
): Promise<Result<{ updatedAt: Date }>> {
  const { workspaceId } = ctx.actor;
  const { projectId } = input;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx): Promise<Result<{ updatedAt: Date }>> => {
    const notebook = await lockNotebook(tx, { workspaceId, projectId });
    if (!notebook) return err(notFound('project'));
    const cell = notebook.rows.find((c) => c.id === input.cellId);
    if (!cell) return err(notFound('cell'));
    await tx
      .delete(cells)
      .where(and(eq(cells.id, cell.id), eq(cells.projectId, projectId), eq(cells.workspaceId, workspaceId)));
    const rest = notebook.rows.filter((c) => c.id !== cell.id);
    await writePositions(tx, {
      workspaceId,
      projectId,
      placed: rest.map((c, position) => ({ id: c.id, position })),
      was: new Map(rest.map((c) => [c.id, c.position])),
      now,
    });
    await touchProject(tx, { workspaceId, projectId, now });
    await auditChange(
      tx,
      ctx,
      {
        action: 'cell.delete',
        target: { type: 'cell', id: cell.id },
        details: { projectId, name: cell.name, kind: cell.kind },
      },
      now,
    );
    return ok({ updatedAt: now });
  });
}

import { err, type MoveCellInput, ok, type Result } from '@quarry/contracts';
import { checkMove } from '@quarry/notebook';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { lockNotebook, projectDialects, touchProject, writePositions } from './notebook-lock';

/**
 * Moves a cell to `position` (past the end: last); the others keep their order and positions stay
 * 0..n-1. Refused with `notebook.forward_reference` when the cell would land above a cell it reads
 * or below one that reads it.
 */
export async function moveCell(
  ctx: ServiceContext,
  input: MoveCellInput,
): Promise<Result<{ updatedAt: Date }>> {
  const { workspaceId } = ctx.actor;
  const { projectId } = input;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx): Promise<Result<{ updatedAt: Date }>> => {
    const notebook = await lockNotebook(tx, { workspaceId, projectId });
    if (!notebook) return err(notFound('project'));
    const from = notebook.rows.findIndex((c) => c.id === input.cellId);
    if (from < 0) return err(notFound('cell'));
    const dialectOf = await projectDialects(tx, { workspaceId, projectId });
    const moved = checkMove(notebook.cells, input.cellId, input.position, dialectOf);
    if (!moved.ok) return moved;
    await writePositions(tx, {
      workspaceId,
      projectId,
      placed: moved.value,
      was: new Map(notebook.rows.map((c) => [c.id, c.position])),
      now,
    });
    await touchProject(tx, { workspaceId, projectId, now });
    const to = moved.value.findIndex((c) => c.id === input.cellId);
    await auditChange(
      tx,
      ctx,
      { action: 'cell.move', target: { type: 'cell', id: input.cellId }, details: { projectId, from, to } },
      now,
    );
    return ok({ updatedAt: now });
  });
}

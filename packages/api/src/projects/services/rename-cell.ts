import { err, ok, type RenameCellInput, type Result } from '@quarry/contracts';
import { cells } from '@quarry/db/schema';
import { renameReferences } from '@quarry/notebook';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { lockNotebook, nameTaken, projectDialects, touchProject } from './notebook-lock';

export type RenameCellResult = { updatedAt: Date; rewritten: string[] };

/**
 * Renames a cell and, in the same transaction, rewrites the references to it in the cells below
 * (`{{old}}` in SQL, the free identifier in JS), so what worked keeps working. A name another cell
 * has, or one a JS cell reading the old name declares itself, is `notebook.name_taken`.
 */
export async function renameCell(
  ctx: ServiceContext,
  input: RenameCellInput,
): Promise<Result<RenameCellResult>> {
  const { workspaceId } = ctx.actor;
  const { projectId } = input;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx): Promise<Result<RenameCellResult>> => {
    const notebook = await lockNotebook(tx, { workspaceId, projectId });
    if (!notebook) return err(notFound('project'));
    const cell = notebook.rows.find((c) => c.id === input.cellId);
    if (!cell) return err(notFound('cell'));
    if (cell.name === input.name) return ok({ updatedAt: now, rewritten: [] });
    if (notebook.rows.some((c) => c.name === input.name)) return err(nameTaken(input.name));
    const dialectOf = await projectDialects(tx, { workspaceId, projectId });
    const rewrites = renameReferences(notebook.cells, cell.name, input.name, dialectOf);
    if (!rewrites.ok) return rewrites;
    const where = (id: string) =>
      and(eq(cells.id, id), eq(cells.projectId, projectId), eq(cells.workspaceId, workspaceId));
    await tx.update(cells).set({ name: input.name, updatedAt: now }).where(where(cell.id));
    for (const rewrite of rewrites.value) {
      await tx.update(cells).set({ source: rewrite.source, updatedAt: now }).where(where(rewrite.cellId));
    }
    await touchProject(tx, { workspaceId, projectId, now });
    const rewritten = rewrites.value.map((r) => r.cellId);
    await auditChange(
      tx,
      ctx,
      {
        action: 'cell.rename',
        target: { type: 'cell', id: cell.id },
        details: { projectId, from: cell.name, to: input.name, rewritten },
      },
      now,
    );
    return ok({ updatedAt: now, rewritten });
  });
}

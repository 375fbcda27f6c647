import { err, ok, type Result, type UpdateCellInput } from '@quarry/contracts';
import { cells } from '@quarry/db/schema';
import { checkNotebookSize, notebookSize } from '@quarry/notebook';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { checkImported } from './cell-connection';
import { fieldNotForKind, lockNotebook, touchProject } from './notebook-lock';

/** Which fields each kind of cell saves: SQL its text and connection, JS and Markdown their text, an input its settings. */
const FIELDS_OF_KIND: Record<string, ReadonlySet<'source' | 'connectionId' | 'input'>> = {
  sql: new Set(['source', 'connectionId']),
  js: new Set(['source']),
  markdown: new Set(['source']),
  input: new Set(['input']),
};

/**
 * Saves a cell's content: the source of a SQL, JS or Markdown cell, the connection of a SQL cell,
 * an input's type and default. A field that does not fit the cell's kind is refused
 * (`notebook.field_not_for_kind`) and nothing is saved, as is a source that would grow the notebook
 * past its bound on text (`notebook.too_large`). The project's `updatedAt` moves with it, so
 * the list shows it first.
 */
export async function updateCell(
  ctx: ServiceContext,
  input: UpdateCellInput,
): Promise<Result<{ updatedAt: Date }>> {
  const { workspaceId } = ctx.actor;
  const { projectId } = input;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx): Promise<Result<{ updatedAt: Date }>> => {
    const notebook = await lockNotebook(tx, { workspaceId, projectId });
    if (!notebook) return err(notFound('project'));
    const cell = notebook.rows.find((c) => c.id === input.cellId);
    if (!cell) return err(notFound('cell'));
    const allowed = FIELDS_OF_KIND[cell.kind] ?? FIELDS_OF_KIND.sql;
    const sent = (['source', 'connectionId', 'input'] as const).filter((field) => input[field] !== undefined);
    const misfit = sent.find((field) => !allowed?.has(field));
    if (misfit) return err(fieldNotForKind(misfit, cell.kind));
    if (input.source !== undefined) {
      const was = notebookSize(notebook.rows);
      const next = { cells: was.cells, source: was.source - cell.source.length + input.source.length };
      const tooLarge = checkNotebookSize(next, was);
      if (tooLarge) return err(tooLarge);
    }
    if (input.connectionId) {
      const imported = await checkImported(tx, { workspaceId, projectId, connectionId: input.connectionId });
      if (!imported.ok) return imported;
    }
    await tx
      .update(cells)
      .set({
        ...(input.source === undefined ? {} : { source: input.source }),
        ...(input.connectionId === undefined
          ? {}
          : { connectionId: input.connectionId, deletedConnectionName: null }),
        ...(input.input === undefined ? {} : { config: input.input }),
        updatedAt: now,
      })
      .where(and(eq(cells.id, cell.id), eq(cells.projectId, projectId), eq(cells.workspaceId, workspaceId)));
    await touchProject(tx, { workspaceId, projectId, now });
    await auditChange(
      tx,
      ctx,
      {
        action: 'cell.update',
        target: { type: 'cell', id: cell.id },
        details: { projectId, fields: sent.join(',') },
      },
      now,
    );
    return ok({ updatedAt: now });
  });
}

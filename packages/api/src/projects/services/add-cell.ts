import {
  type AddCellInput,
  type CellKind,
  err,
  type InputConfig,
  type NotebookCell,
  ok,
  type Result,
} from '@quarry/contracts';
import { newId } from '@quarry/db';
import { cells, connections, projectConnections } from '@quarry/db/schema';
import { checkNotebookSize, notebookSize } from '@quarry/notebook';
import { and, asc, desc, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext, type Tx } from '../../service-context';
import { checkImported } from './cell-connection';
import { toNotebookCell } from './notebook-cell';
import { fieldNotForKind, lockNotebook, nameTaken, touchProject, writePositions } from './notebook-lock';

/** The prefix of a new cell's name when none is given: `query_1`, `js_1`, `input_1`, `text_1`. */
const NAME_PREFIX: Record<CellKind, string> = { sql: 'query', js: 'js', input: 'input', markdown: 'text' };
const NEW_INPUT: InputConfig = { type: 'text', default: '' };

/**
 * Adds a cell after `afterCellId` (null: at the top); the cells below shift down by one. Without a
 * name it takes the kind's next free one. A SQL cell without a connection takes the one of the
 * nearest SQL cell above, else the project's default one (see `defaultConnection`). Fields that do not fit the kind are
 * refused (`notebook.field_not_for_kind`), a name in use is `notebook.name_taken`, and a cell the
 * notebook has no room for (its cells or their text past @quarry/notebook's bounds) is
 * `notebook.too_large`.
 */
export async function addCell(ctx: ServiceContext, input: AddCellInput): Promise<Result<NotebookCell>> {
  const { workspaceId } = ctx.actor;
  const { projectId } = input;
  const now = ctx.deps.now();
  if (input.kind !== 'sql' && input.connectionId !== undefined)
    return err(fieldNotForKind('connectionId', input.kind));
  if (input.kind !== 'input' && input.input !== undefined) return err(fieldNotForKind('input', input.kind));
  if (input.kind === 'input' && input.source !== undefined) return err(fieldNotForKind('source', input.kind));
  return ctx.deps.db.transaction(async (tx): Promise<Result<NotebookCell>> => {
    const notebook = await lockNotebook(tx, { workspaceId, projectId });
    if (!notebook) return err(notFound('project'));
    const ordered = notebook.rows;
    const was = notebookSize(ordered);
    const source = input.kind === 'input' ? '' : (input.source ?? '');
    const tooLarge = checkNotebookSize({ cells: was.cells + 1, source: was.source + source.length }, was);
    if (tooLarge) return err(tooLarge);
    let at = 0;
    if (input.afterCellId !== null) {
      const index = ordered.findIndex((c) => c.id === input.afterCellId);
      if (index < 0) return err(notFound('cell'));
      at = index + 1;
    }
    const names = new Set(ordered.map((c) => c.name));
    let name = input.name;
    if (name !== undefined && names.has(name)) return err(nameTaken(name));
    if (name === undefined) {
      let n = 1;
      while (names.has(`${NAME_PREFIX[input.kind]}_${n}`)) n += 1;
      name = `${NAME_PREFIX[input.kind]}_${n}`;
    }
    let connectionId: string | null = null;
    if (input.kind === 'sql') {
      if (input.connectionId) {
        const imported = await checkImported(tx, {
          workspaceId,
          projectId,
          connectionId: input.connectionId,
        });
        if (!imported.ok) return imported;
        connectionId = input.connectionId;
      } else {
        connectionId = await defaultConnection(tx, { workspaceId, projectId, above: ordered.slice(0, at) });
      }
    }
    // Dense positions first (earlier gaps close), leaving `at` free for the new cell.
    const shifted = ordered.map((c, index) => ({ id: c.id, position: index < at ? index : index + 1 }));
    await writePositions(tx, {
      workspaceId,
      projectId,
      placed: shifted,
      was: new Map(ordered.map((c) => [c.id, c.position])),
      now,
    });
    const id = newId('cell');
    const [row] = await tx
      .insert(cells)
      .values({
        id,
        workspaceId,
        projectId,
        position: at,
        name,
        kind: input.kind,
        config: input.kind === 'input' ? (input.input ?? NEW_INPUT) : null,
        connectionId,
        source,
        updatedAt: now,
      })
      .returning();
    if (!row) throw new Error('cell insert returned no row');
    await touchProject(tx, { workspaceId, projectId, now });
    await auditChange(
      tx,
      ctx,
      {
        action: 'cell.add',
        target: { type: 'cell', id },
        details: { projectId, kind: input.kind, name, position: at, connectionId },
      },
      now,
    );
    return ok(toNotebookCell(row, null));
  });
}

/**
 * The connection of the nearest SQL cell above that still has one the project imports, else the
 * workspace's default connection if the project imports it, else the project's oldest import.
 */
async function defaultConnection(
  tx: Tx,
  input: { workspaceId: string; projectId: string; above: readonly (typeof cells.$inferSelect)[] },
): Promise<string | null> {
  const imported = await tx
    .select({ id: connections.id })
    .from(projectConnections)
    .innerJoin(connections, eq(connections.id, projectConnections.connectionId))
    .where(
      and(eq(projectConnections.projectId, input.projectId), eq(connections.workspaceId, input.workspaceId)),
    )
    .orderBy(desc(connections.isDefault), asc(connections.createdAt), asc(connections.id));
  const usable = new Set(imported.map((c) => c.id));
  for (const cell of [...input.above].reverse()) {
    if (cell.kind === 'sql' && cell.connectionId && usable.has(cell.connectionId)) return cell.connectionId;
  }
  return imported[0]?.id ?? null;
}
